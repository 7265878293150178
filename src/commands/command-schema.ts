import { z } from 'zod';
import type { Command } from './command.js';
import { roles } from './roles.js';
import { approvalScopes } from '../protocol/approvals.js';
import { taskModes } from '../protocol/tasks.js';

const name = z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/, 'a machine name is 1-64 of a-z, 0-9 and -');
const tag = z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,31}$/, 'a tag is 1-32 of a-z, 0-9, _ . -');
const taskId = z.string().regex(/^[a-z0-9]{8,32}$/, 'a task id is 8-32 of a-z and 0-9');
const prompt = z.string().max(100_000);
const mode = z.enum(taskModes);
const approvalId = z.string().regex(/^[a-z0-9]{4,16}$/, 'an approval code is 4-16 of a-z and 0-9');
const agent = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'an agent name is 1-64 of a-z, 0-9, _ and -');

/** Which machines: one by name or alias, every one, or those with a tag. */
export const MachineSelectorSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('name'), name }).strict(),
  z.object({ kind: z.literal('all') }).strict(),
  z.object({ kind: z.literal('tag'), tag }).strict(),
]);

const machine = MachineSelectorSchema;
const machineCommand = z.enum(['wake', 'bootstrap', 'power', 'sleep', 'shutdown', 'restart']);

/**
 * A command as JSON (`POST /api/commands {"command": ...}`), for a front end that has its words already apart (the
 * web page's forms): the same commands as the text language, checked as strictly, and carried out the same way.
 */
export const CommandSchema = z.union([
  z.object({ name: z.literal('help'), topic: z.string().max(40).optional() }).strict(),
  z.object({ name: z.literal('status'), machine: machine.optional() }).strict(),
  z.object({ name: z.literal('machines') }).strict(),
  z.object({ name: machineCommand, machine }).strict(),
  z.object({ name: z.literal('run'), machine, prompt, agent: agent.optional(), mode: mode.optional() }).strict(),
  z
    .object({
      name: z.literal('deploy'),
      repo: z.string().max(2048),
      ref: z.string().max(255).optional(),
      machines: z.array(machine).max(10_000),
      prompt,
      agent: agent.optional(),
      mode: mode.optional(),
      tasks: z.array(z.object({ machine, prompt }).strict()).max(10_000).optional(),
    })
    .strict(),
  z.object({ name: z.literal('continue'), taskId, prompt }).strict(),
  z.object({ name: z.literal('sh'), machine, argv: z.array(z.string().max(32_768)).min(1).max(1024) }).strict(),
  z.object({ name: z.literal('tasks'), machine: machine.optional() }).strict(),
  z.object({ name: z.enum(['logs', 'cancel']), taskId }).strict(),
  z.object({ name: z.literal('whoami') }).strict(),
  z.object({ name: z.literal('dashboard'), as: z.string().max(400).optional(), role: z.enum(roles).optional() }).strict(),
  z.object({ name: z.literal('approvals'), taskId: taskId.optional() }).strict(),
  z.object({ name: z.literal('approve'), id: approvalId, scope: z.enum(approvalScopes) }).strict(),
  z.object({ name: z.literal('deny'), id: approvalId, reason: z.string().max(1000).optional() }).strict(),
  z.object({ name: z.literal('answer'), id: approvalId, text: z.string().max(2000) }).strict(),
]) satisfies z.ZodType<Command>;
