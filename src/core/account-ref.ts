import { UserError } from "../errors.js";

/** What a reference is matched against. */
export interface RefCandidate {
  readonly id: string;
  readonly name: string;
  readonly isActive: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_LISTED = 10;

function describe(candidates: readonly RefCandidate[]): string {
  const shown = candidates
    .slice(0, MAX_LISTED)
    .map((c) => `${c.name} (${c.id.slice(0, 8)}${c.isActive ? "" : ", archived"})`);
  const more = candidates.length > MAX_LISTED ? `, and ${candidates.length - MAX_LISTED} more` : "";
  return `${shown.join("; ")}${more}`;
}

/**
 * Resolves an account reference: a full id, a unique id prefix of at least 4 characters, or
 * an exact name (case-insensitive); items are named by institution. An ambiguous or unknown reference is a UserError listing
 * the candidates.
 */
export function resolveAccountRef<T extends RefCandidate>(
  ref: string,
  accounts: readonly T[],
  noun: "account" | "item" = "account",
): T {
  const wanted = ref.trim();
  const lower = wanted.toLowerCase();
  if (UUID.test(wanted)) {
    const exact = accounts.find((a) => a.id.toLowerCase() === lower);
    if (exact) return exact;
  }
  const byName = accounts.filter((a) => a.name.toLowerCase() === lower);
  const byPrefix =
    wanted.length >= 4 ? accounts.filter((a) => a.id.toLowerCase().startsWith(lower)) : [];
  const matches = [...new Set([...byName, ...byPrefix])];
  if (matches.length === 1) return matches[0] as T;
  if (matches.length > 1) {
    throw new UserError(
      `"${wanted}" matches ${matches.length} ${noun}s: ${describe(matches)}; use an id prefix`,
    );
  }
  if (accounts.length === 0) {
    throw new UserError(`no ${noun} matches "${wanted}": you have no ${noun}s yet`);
  }
  throw new UserError(`no ${noun} matches "${wanted}"; your ${noun}s: ${describe(accounts)}`);
}

/**
 * Refuses an account linked through Plaid: Plaid is the source of what it is worth (its
 * balances; a coin account's holding and method, src/plaid/coins.ts), so no command that
 * sets, changes or removes a valuation or a holding touches it. One line, nothing written.
 */
export function refuseLinked(account: { readonly name: string; readonly isManual: boolean }): void {
  if (!account.isManual)
    throw new UserError(`${account.name} is linked through Plaid: Plaid is its source`);
}
