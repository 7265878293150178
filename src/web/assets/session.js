/** Who is signed in, from the page the hub rendered. Roles as everywhere else; the API checks them again. */

const rank = /** @type {Record<string, number>} */ ({ viewer: 1, operator: 2, admin: 3 });

export const identity = document.body.dataset.identity ?? '';
export const role = document.body.dataset.role ?? 'viewer';

/**
 * Whether the signed-in person has at least this role (buttons they may not use are not shown at all).
 * @param {'viewer'|'operator'|'admin'} need
 */
export const can = (need) => (rank[role] ?? 0) >= (rank[need] ?? 9);
