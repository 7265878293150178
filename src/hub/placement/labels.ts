import type { Facts } from '../../protocol/facts.js';

/**
 * A machine's labels, computed once from its facts and tags so a placement decision never parses facts:
 * `os=linux`, `arch=x64`, `gpu=nvidia`, `gpu.mem=24`, `agent=claude`, `repo=acme/app`, `ram=64`, a tag `nightly`...
 */
export interface Labels {
  /** Every label as written (`key` or `key=value`), sorted: what `pia machines show` lists. */
  list: string[];
  /** Text labels: key -> its values (lowercase; empty for a bare label such as a tag). */
  values: Map<string, Set<string>>;
  /** Numeric labels (sizes in GB): key -> value. */
  numbers: Map<string, number>;
}

/** What labels are computed from. */
export interface LabelSource {
  facts: Facts | null;
  capabilities: { tags?: string[]; os?: string };
}

const GIB = 1024 ** 3;
/** GB with one decimal at most: `ram=15.5`. */
const gb = (bytes: number) => Math.round((bytes / GIB) * 10) / 10;

/**
 * The `owner/name` of a repository from its remote URL (`https://github.com/acme/app.git`,
 * `git@github.com:acme/app.git`), lowercase; the folder name alone for a local path or `file://` URL (`app`) and
 * when there is no owner; undefined for nonsense.
 */
export function repoIdentity(url: string): string | undefined {
  const cleaned = url.trim().replace(/[?#].*$/, '').replace(/\/+$/, '').replace(/\.git$/i, '');
  const pathPart = /^[a-z][a-z0-9+.-]*:\/\//i.test(cleaned) ? cleaned.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '') : cleaned.replace(/^[^@/]+@[^:/]+:/, '');
  const parts = pathPart.split(/[/\\]/).filter(Boolean);
  if (parts.length === 0) return undefined;
  // A local path (a file:// URL, a mirror) has no owner: its folder name is the repository's name.
  if (/^file:/i.test(cleaned) || cleaned.startsWith('/')) return parts.at(-1)!.toLowerCase();
  return parts.slice(-2).join('/').toLowerCase();
}

/** The repositories of a machine by identity (`acme/app`, and the folder name `app`), with the branch checked out. */
export function reposOf(facts: Facts | null): Map<string, string | null> {
  const repos = new Map<string, string | null>();
  for (const r of facts?.repos ?? []) {
    const id = r.remote ? repoIdentity(r.remote) : undefined;
    if (id && !repos.has(id)) repos.set(id, r.branch);
    const folder = r.name.toLowerCase();
    if (!repos.has(folder)) repos.set(folder, r.branch);
  }
  return repos;
}

/** Computes a machine's labels from its facts and tags. */
export function labelsOf(m: LabelSource): Labels {
  const values = new Map<string, Set<string>>();
  const numbers = new Map<string, number>();
  const add = (key: string, value?: string) => {
    let set = values.get(key);
    if (!set) values.set(key, (set = new Set()));
    if (value) set.add(value.toLowerCase());
  };
  const f = m.facts;
  const os = f?.os.platform ?? m.capabilities.os;
  if (os) add('os', os);
  if (f) {
    add('arch', f.arch);
    numbers.set('cpus', f.cpus);
    numbers.set('ram', gb(f.memoryBytes));
    if (f.memoryFreeBytes !== undefined) numbers.set('ram.free', gb(f.memoryFreeBytes));
    if (f.diskFreeBytes !== undefined) numbers.set('disk.free', gb(f.diskFreeBytes));
    for (const a of f.agents) add('agent', a.name);
    for (const id of reposOf(f).keys()) add('repo', id);
    if (f.gpus?.length) {
      add('gpu');
      for (const g of f.gpus) if (g.vendor) add('gpu', g.vendor);
      numbers.set('gpu.count', f.gpus.length);
      const mem = Math.max(0, ...f.gpus.map((g) => g.memoryBytes ?? 0));
      if (mem > 0) numbers.set('gpu.mem', gb(mem));
    }
  }
  for (const tag of m.capabilities.tags ?? []) add(tag);
  const list: string[] = [];
  for (const [key, set] of values) {
    if (set.size === 0) list.push(key);
    for (const v of set) list.push(`${key}=${v}`);
  }
  for (const [key, n] of numbers) list.push(`${key}=${n}`);
  list.sort();
  return { list, values, numbers };
}
