/** Who may do what: viewers read, operators run, deploy, wake and cancel, admins also run commands and power off. */
export const roles = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof roles)[number];

const rank: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

/** Whether `have` is at least `need`. */
export function allows(have: Role | undefined, need: Role): boolean {
  return have !== undefined && rank[have] >= rank[need];
}

/** An identity: `slack:U123`, `discord:4567`, `email:ada@example.com`, `cli`, `admin-token`. */
export type Identity = string;

/** Normalises an identity for comparison: email addresses are case-insensitive, platform ids are not. */
export function normalizeIdentity(identity: string): string {
  const trimmed = identity.trim();
  return trimmed.toLowerCase().startsWith('email:') ? `email:${trimmed.slice(6).toLowerCase()}` : trimmed;
}
