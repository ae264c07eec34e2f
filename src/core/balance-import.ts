import type { DateFormat } from "../config.js";
import { UserError } from "../errors.js";
import { type RefCandidate, resolveAccountRef } from "./account-ref.js";
import { parseAmount } from "./amount.js";
import type { AccountCategory } from "./buckets.js";
import { type CsvRow, CsvSyntaxError, formulaText, parseCsv } from "./csv.js";
import { parseDate } from "./dates.js";
import { MAX_NAME_LENGTH, textProblem } from "./text.js";

/** Columns of the balance CSV, in the order export writes them. */
export const BALANCE_COLUMNS = [
  "account",
  "date",
  "balance",
  "available",
  "limit",
  "type",
] as const;

/**
 * The manual account types a file can create (the `type` column, or --type with
 * --create-missing), with their account_type_config row; a test holds them equal.
 */
export const MANUAL_TYPES = {
  real_estate: { type: "manual_asset", subtype: "real_estate", category: "property" },
  vehicle: { type: "manual_asset", subtype: "vehicle", category: "vehicle" },
  precious_metal: { type: "manual_asset", subtype: "precious_metal", category: "precious_metal" },
  crypto: { type: "manual_asset", subtype: "crypto", category: "digital_asset" },
  other: { type: "manual_asset", subtype: "other", category: "other" },
  mortgage: { type: "manual_liability", subtype: "mortgage", category: "mortgage" },
  auto: { type: "manual_liability", subtype: "auto", category: "loan" },
  personal: { type: "manual_liability", subtype: "personal", category: "loan" },
  student: { type: "manual_liability", subtype: "student", category: "loan" },
  credit_card: { type: "manual_liability", subtype: "credit_card", category: "credit_card" },
  other_liability: { type: "manual_liability", subtype: "other", category: "other_liability" },
} as const satisfies Record<
  string,
  { type: "manual_asset" | "manual_liability"; subtype: string; category: AccountCategory }
>;
export type ManualTypeKey = keyof typeof MANUAL_TYPES;

/** The `type` column value for an account, or "" when it is not a manual account. */
export function manualTypeKey(type: string, subtype: string): string {
  for (const [key, spec] of Object.entries(MANUAL_TYPES)) {
    if (spec.type === type && spec.subtype === subtype) return key;
  }
  return "";
}

function isManualTypeKey(value: string): value is ManualTypeKey {
  return Object.hasOwn(MANUAL_TYPES, value);
}
const REQUIRED = ["account", "date", "balance"] as const;

/** The widest header read (the known columns, with room for a few unknown ones to name). */
export const MAX_COLUMNS = 64;
/** Problems kept and reported; the rest are only counted ("… and 990 more"). */
export const MAX_REPORTED_PROBLEMS = 10;
/** The longest account name (accounts.name is VARCHAR(255)). */

/** A validated row: the account it names (existing, or to create), and exact cents. */
export interface PlannedRow {
  line: number;
  /** The existing account's id, or the name of an account to create. */
  account: { id: string } | { create: string };
  date: string;
  balance: bigint;
  available: bigint | null;
  limit: bigint | null;
}

export interface ImportProblem {
  line: number;
  message: string;
}

export interface ImportPlan {
  rows: PlannedRow[];
  /** Accounts to create (with --create-missing), in order of first appearance. */
  create: { name: string; type: ManualTypeKey }[];
  /** The first MAX_REPORTED_PROBLEMS problems, in file order. */
  problems: ImportProblem[];
  /** How many problems there are in all. */
  problemCount: number;
}

function addProblem(plan: ImportPlan, problem: ImportProblem): void {
  plan.problemCount += 1;
  if (plan.problems.length < MAX_REPORTED_PROBLEMS) plan.problems.push(problem);
}

export interface PlanOptions {
  readonly dateFormat: DateFormat;
  readonly today: string;
  /** --create-missing: create unknown accounts (of their row's type, else of this one). */
  readonly createMissing: boolean;
  readonly defaultType?: ManualTypeKey | undefined;
  /** Categories whose balances may be negative. */
  readonly negativeOk: ReadonlySet<string>;
}

/**
 * Validates a whole balance CSV against the user's accounts before anything is written: every
 * problem is collected with its line number, so one run shows them all.
 */
export function planBalanceImport(
  text: string,
  accounts: readonly (RefCandidate & { category: AccountCategory })[],
  options: PlanOptions,
): ImportPlan {
  const plan: ImportPlan = { rows: [], create: [], problems: [], problemCount: 0 };
  let records: CsvRow[];
  try {
    records = parseCsv(text, { maxFields: MAX_COLUMNS }).rows;
  } catch (error) {
    if (error instanceof CsvSyntaxError) {
      addProblem(plan, { line: error.line, message: error.message.replace(/^line \d+: /, "") });
      return plan;
    }
    throw error;
  }
  const [header, ...body] = records;
  if (!header) {
    addProblem(plan, {
      line: 1,
      message: `the file is empty; expected a header ${BALANCE_COLUMNS.join(",")}`,
    });
    return plan;
  }
  const columns = header.fields.map((f) => f.trim().toLowerCase());
  const index = new Map<string, number>();
  columns.forEach((name, i) => {
    if (!(BALANCE_COLUMNS as readonly string[]).includes(name)) {
      addProblem(plan, {
        line: header.line,
        message: `unknown column "${name}"; expected ${BALANCE_COLUMNS.join(", ")}`,
      });
    } else if (index.has(name)) {
      addProblem(plan, { line: header.line, message: `column "${name}" appears twice` });
    } else {
      index.set(name, i);
    }
  });
  for (const name of REQUIRED) {
    if (!index.has(name))
      addProblem(plan, { line: header.line, message: `missing column "${name}"` });
  }
  if (plan.problemCount > 0) return plan;

  const resolved = new Map<
    string,
    { id: string; category: AccountCategory } | { create: string } | string
  >();
  const created = new Map<string, { type: ManualTypeKey; line: number }>();
  const seen = new Map<string, number>();
  for (const record of body) {
    const problem = (message: string) => addProblem(plan, { line: record.line, message });
    if (record.fields.length !== columns.length) {
      problem(`expected ${columns.length} fields, found ${record.fields.length}`);
      continue;
    }
    const cell = (name: string) => {
      const i = index.get(name);
      return i === undefined ? "" : (record.fields[i] ?? "").trim();
    };
    // Export neutralizes names a spreadsheet would run as formulas; this undoes it exactly.
    const ref = formulaText(cell("account"));
    if (!ref) {
      problem("the account is empty");
      continue;
    }
    const refProblem = textProblem("account", ref, { maxLength: MAX_NAME_LENGTH });
    if (refProblem) {
      problem(refProblem);
      continue;
    }
    const typeText = cell("type");
    if (typeText && !isManualTypeKey(typeText)) {
      problem(
        `unknown type "${typeText}"; expected one of ${Object.keys(MANUAL_TYPES).join(", ")}`,
      );
      continue;
    }
    const key = ref.toLowerCase();
    if (!resolved.has(key)) resolved.set(key, resolveRef(ref, accounts, options.createMissing));
    const target = resolved.get(key);
    if (typeof target === "string") {
      problem(target);
      continue;
    }
    let category: AccountCategory;
    if (target && "id" in target) {
      category = target.category;
    } else {
      const type = (typeText || options.defaultType) as ManualTypeKey | undefined;
      if (!type) {
        problem(
          `no account named "${ref}" and no type to create it with (a type column, or --type)`,
        );
        continue;
      }
      const first = created.get(key);
      if (first && first.type !== type) {
        problem(`"${ref}" is created as ${first.type} on line ${first.line}, not ${type}`);
        continue;
      }
      if (!first) {
        created.set(key, { type, line: record.line });
        plan.create.push({ name: ref, type });
      }
      category = MANUAL_TYPES[type].category;
    }
    const allowNegative = options.negativeOk.has(category);
    try {
      const date = parseDate(cell("date"), { format: options.dateFormat, today: options.today });
      const balance = parseAmount(cell("balance"), { allowNegative });
      const available = cell("available")
        ? parseAmount(cell("available"), { allowNegative })
        : null;
      const limit = cell("limit") ? parseAmount(cell("limit")) : null;
      const account =
        target && "id" in target
          ? { id: target.id }
          : {
              create: (plan.create.find((c) => c.name.toLowerCase() === key) as { name: string })
                .name,
            };
      const dupKey = `${"id" in account ? account.id : `new:${key}`}|${date}`;
      const earlier = seen.get(dupKey);
      if (earlier !== undefined) {
        problem(`a second balance for ${ref} on ${date} (the first is on line ${earlier})`);
        continue;
      }
      seen.set(dupKey, record.line);
      plan.rows.push({ line: record.line, account, date, balance, available, limit });
    } catch (error) {
      if (error instanceof UserError) problem(error.message);
      else throw error;
    }
  }
  return plan;
}

/** The account a reference names, { create } for an unknown one we may create, or a problem. */
function resolveRef(
  ref: string,
  accounts: readonly (RefCandidate & { category: AccountCategory })[],
  createMissing: boolean,
): { id: string; category: AccountCategory } | { create: string } | string {
  try {
    return resolveAccountRef(ref, accounts);
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    const unknown = error.message.startsWith("no account matches");
    if (unknown && createMissing) return { create: ref };
    return unknown
      ? `no account named "${ref}" (use --create-missing to create it)`
      : error.message;
  }
}
