import { z } from 'zod';
import { PiaError } from './errors.js';

/** One environment variable's parser: what it expects, in words, and the schema that checks it. */
export interface EnvField<T> {
  expect: string;
  schema: z.ZodType<T>;
}

function field<T>(expect: string, schema: z.ZodType<T>): EnvField<T> {
  return { expect, schema };
}

/** A TCP port; 0 lets the OS pick a free one (tests). */
export const portField = field('a port number (0-65535)', z.coerce.number().int().min(0).max(65535));
/** A whole number of seconds, > 0. */
export const secondsField = field('a positive number of seconds', z.coerce.number().positive().max(10 ** 7));
/** A number of hours, 0 or more (fractions allowed). */
export const hoursField = field('a number of hours (0 or more)', z.coerce.number().nonnegative().max(10 ** 6));
/** A positive integer. */
export const positiveIntField = field('a positive whole number', z.coerce.number().int().positive());
/** A number, 0 or more (0 usually turns the setting off). */
export const nonNegativeField = field('a number, 0 or more', z.coerce.number().min(0).max(10 ** 9));
/** A niceness, as `nice` takes it: 0 (normal) to 19 (lowest CPU priority). */
export const niceField = field('a niceness from 0 to 19', z.coerce.number().int().min(0).max(19));
/** 1/0, true/false, yes/no, on/off. */
export const boolField = field(
  'one of 1, 0, true, false, yes, no, on, off',
  z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off']))
    .transform((v) => ['1', 'true', 'yes', 'on'].includes(v)),
);
/** Any non-empty text. */
export const textField = field('a non-empty value', z.string().trim().min(1));
/** A comma-separated list of non-empty items. */
export const listField = field(
  'a comma-separated list',
  z.string().transform((v) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0),
  ),
);
/** One of a fixed set of words. */
export function enumField<const T extends readonly [string, ...string[]]>(values: T): EnvField<T[number]> {
  return field(`one of ${values.join(', ')}`, z.enum(values));
}
/** A URL with one of the given schemes. */
export function urlField(schemes: string[]): EnvField<string> {
  return field(
    `a ${schemes.join(' or ')} URL`,
    z
      .string()
      .trim()
      .refine((v) => {
        try {
          return schemes.includes(new URL(v).protocol.replace(/:$/, ''));
        } catch {
          return false;
        }
      }),
  );
}

type Spec = Record<string, readonly [EnvField<unknown>, string | undefined]>;
type Parsed<S extends Spec> = {
  [K in keyof S]: S[K] extends readonly [EnvField<infer T>, infer D] ? (D extends string ? T : T | undefined) : never;
};

/**
 * Reads the named variables from `env`, applies defaults and checks each one. An empty string counts as unset.
 * Throws a {@link PiaError} `config_invalid` whose message names the variable, what it expects and what it got.
 */
export function parseEnv<const S extends Spec>(env: NodeJS.ProcessEnv, spec: S): Parsed<S> {
  const out: Record<string, unknown> = {};
  for (const [key, [f, def]] of Object.entries(spec)) {
    const given = env[key];
    const raw = given === undefined || given.trim() === '' ? def : given;
    if (raw === undefined) {
      out[key] = undefined;
      continue;
    }
    const result = f.schema.safeParse(raw);
    if (!result.success) {
      throw new PiaError('config_invalid', `${key} must be ${f.expect}, got '${raw}'`);
    }
    out[key] = result.data;
  }
  return out as Parsed<S>;
}
