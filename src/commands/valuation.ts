import { Command } from "commander";
import { z } from "zod";
import { refuseLinked, resolveAccountRef } from "../core/account-ref.js";
import { formatAmount, parseAmount } from "../core/amount.js";
import { formatDate, parseDate } from "../core/dates.js";
import { describeValuation } from "../core/valuation/describe.js";
import { buildRule, METHODS, type SetOptions } from "../core/valuation/inputs.js";
import { listAccounts } from "../db/accounts.js";
import { revalue } from "../db/revalue.js";
import {
  deleteGenerated,
  deleteValuation,
  indexExists,
  indexPoints,
  ownValues,
  upsertValuation,
  valuationsByAccount,
} from "../db/valuations.js";
import { UsageError, UserError } from "../errors.js";
import { type App, examples, parseOptions, userRun } from "./app.js";
import { refreshFrom } from "./effects.js";
import { checkAddress, setAvm } from "./valuation-avm.js";
import { ruleJson, showValuation } from "./valuation-show.js";
import { setVehicle } from "./valuation-vehicle.js";

const ALL_METHODS = [...METHODS, "avm", "vehicle"] as const;

const SetInput = z.object({
  account: z.string(),
  method: z.enum(ALL_METHODS, { message: `expected one of ${ALL_METHODS.join(", ")}` }),
  address: z.string().optional(),
  vin: z.string().optional(),
  mileage: z.string().optional(),
  milesPerYear: z.string().optional(),
  zip: z.string().optional(),
  rate: z.string().optional(),
  start: z.string().optional(),
  basis: z.string().optional(),
  floor: z.string().optional(),
  index: z.string().min(1).optional(),
  apr: z.string().optional(),
  term: z.string().optional(),
  firstPayment: z.string().optional(),
  principal: z.string().optional(),
  payment: z.string().optional(),
  extra: z.string().optional(),
  json: z.boolean().optional(),
});

/** The far edge for dates that may lie ahead (a loan's first payment). */
const FAR = "9999-12-31";

function setCommand(app: App): Command {
  const command = new Command("set")
    .description("give a manual account a valuation method; its history is rebuilt to today")
    .argument("<account>", "id, id prefix (4+ characters) or exact name")
    .requiredOption("--method <method>", ALL_METHODS.join(" | "))
    .option("--vin <vin>", "vehicle: the car's VIN (decoded by NHTSA vPIC; stored encrypted)")
    .option("--mileage <miles>", "vehicle: the odometer today")
    .option("--miles-per-year <miles>", "vehicle: how far it goes a year (default 12000)")
    .option("--zip <zip>", "vehicle: where it is priced (MarketCheck)")
    .option(
      "--address <address>",
      'avm: the home\'s address, "street, city, state, zip" (sent only to RentCast, stored encrypted)',
    )
    .option("--rate <pct>", "annual percentage (depreciation, appreciation), e.g. 15 or 4.5")
    .option("--start <date>", "first day of the rule (default: the account's first value)")
    .option("--basis <amount>", "value on --start (default: the account's value then)")
    .option("--floor <amount>", "the least a depreciating asset is worth (default 0)")
    .option("--index <name>", "an index imported with networth index import")
    .option("--apr <pct>", "annual interest rate of a loan, e.g. 6.25")
    .option("--term <months>", "number of monthly payments, 1 to 600")
    .option("--first-payment <date>", "date of the first payment (later ones: monthly)")
    .option("--principal <amount>", "amount borrowed (default: the loan's first balance)")
    .option("--payment <amount>", "monthly payment (default: the level payment)")
    .option("--extra <amount>", "extra principal paid with each payment")
    .option("--json", "print the method and what was written as JSON")
    .action(async (account: string, raw: Record<string, unknown>, cmd: Command) => {
      const input = parseOptions(SetInput, { ...raw, account });
      const VEHICLE_KEYS = ["vin", "mileage", "milesPerYear", "zip"] as const;
      if (input.method === "vehicle") {
        const {
          vin,
          mileage,
          milesPerYear,
          zip,
          rate,
          floor,
          method: _m,
          account: _a,
          json: _j,
          ...rest
        } = input;
        const extra = Object.entries(rest).find(([, v]) => v !== undefined);
        if (extra)
          throw new UsageError(
            `--${extra[0].replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} does not apply to --method vehicle`,
          );
        const run = await userRun(app, cmd);
        await setVehicle(run, app.output(input), input.account, {
          vin,
          mileage,
          milesPerYear,
          zip,
          rate,
          floor,
        });
        return;
      }
      for (const key of VEHICLE_KEYS)
        if (input[key] !== undefined)
          throw new UsageError(
            `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} is for --method vehicle`,
          );
      if (input.method === "avm") {
        const { address, method: _m, account: _a, json: _j, ...rest } = input;
        const extra = Object.entries(rest).find(([, v]) => v !== undefined);
        if (extra)
          throw new UsageError(
            `--${extra[0].replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} does not apply to --method avm`,
          );
        const run = await userRun(app, cmd);
        await setAvm(run, app.output(input), input.account, checkAddress(address));
        return;
      }
      if (input.address !== undefined) throw new UsageError("--address is for --method avm");
      const run = await userRun(app, cmd);
      const out = app.output(input);
      const date = (text: string | undefined, today: string) =>
        text === undefined ? undefined : parseDate(text, { format: run.dateFormat, today });
      const amount = (text: string | undefined) =>
        text === undefined ? undefined : parseAmount(text);
      const options: SetOptions = {
        method: input.method,
        rate: input.rate,
        start: date(input.start, run.today),
        basis: amount(input.basis),
        floor: amount(input.floor),
        index: input.index,
        apr: input.apr,
        term: input.term,
        firstPayment: date(input.firstPayment, FAR),
        principal: amount(input.principal),
        payment: amount(input.payment),
        extra: amount(input.extra),
      };
      const result = await run.db.asUser(run.user.id, async (tx) => {
        const target = resolveAccountRef(
          input.account,
          await listAccounts(tx, { includeArchived: true }),
        );
        const own = (await ownValues(tx, [target.id])).get(target.id) ?? [];
        if (options.index !== undefined && !(await indexExists(tx, options.index))) {
          throw new UserError(
            `no index named ${options.index}: import it with networth index import ${options.index} <file.csv>`,
          );
        }
        const points = options.index
          ? (await indexPoints(tx, [options.index])).get(options.index)
          : [];
        const rule = buildRule(options, { ...target, own }, points);
        await upsertValuation(tx, target.id, run.user.id, rule);
        const done = await revalue(tx, { accountIds: [target.id] }, { today: run.today });
        if (done.problems[0]) throw new UserError(done.problems[0].message);
        await refreshFrom(tx, run, done.earliestByUser.get(run.user.id) ?? null);
        const last = own.at(-1);
        return { target, rule, counts: done.accounts[0], last };
      });
      const counts = result.counts ?? { inserted: 0, updated: 0, deleted: 0, earliestChange: null };
      if (out.json) {
        out.result({
          account: { id: result.target.id, name: result.target.name },
          valuation: ruleJson(result.rule),
          inserted: counts.inserted,
          updated: counts.updated,
          deleted: counts.deleted,
          earliestChange: counts.earliestChange,
        });
        return;
      }
      out.line(
        `${result.target.name}: ${describeValuation(result.rule, null, run.dateFormat)} from ${formatDate(result.rule.start, run.dateFormat)} ` +
          `(${formatAmount(result.rule.basis)}); ${counts.inserted} values written, ` +
          `${counts.updated} changed, ${counts.deleted} removed.`,
      );
    });
  return examples(command, [
    "networth valuation set Car --method depreciation --rate 15",
    "networth valuation set Home --method appreciation --rate 4 --start 2019-06-01",
    "networth valuation set Home --method index --index case-shiller",
    "networth valuation set Mortgage --method amortization --apr 6 --term 360 --first-payment 2019-07-01",
    'networth valuation set Home --method avm --address "5500 Grand Lake Dr, San Antonio, TX 78244"',
    "networth valuation set Car --method vehicle --vin 1HGCM82633A004352 --mileage 48000 --zip 78244",
  ]);
}

function showCommand(app: App): Command {
  const command = new Command("show")
    .description("the method, its inputs, the value it starts from and the next values")
    .argument("<account>", "id, id prefix (4+ characters) or exact name")
    .option("--json", "print as JSON")
    .action(async (account: string, raw: { json?: boolean }, cmd: Command) => {
      const run = await userRun(app, cmd);
      const out = app.output(raw);
      await showValuation(run, out, account);
    });
  return examples(command, [
    "networth valuation show Car",
    "networth valuation show Mortgage --json",
  ]);
}

function clearCommand(app: App): Command {
  const command = new Command("clear")
    .description("remove an account's method and its generated values (your own values stay)")
    .argument("<account>", "id, id prefix (4+ characters) or exact name")
    .option("--keep-values", "keep the values it generated (they stay in history as 'rule')")
    .option("--json", "print what was removed as JSON")
    .action(
      async (account: string, raw: { keepValues?: boolean; json?: boolean }, cmd: Command) => {
        const run = await userRun(app, cmd);
        const out = app.output(raw);
        const result = await run.db.asUser(run.user.id, async (tx) => {
          const target = resolveAccountRef(
            account,
            await listAccounts(tx, { includeArchived: true }),
          );
          refuseLinked(target);
          const had = (await valuationsByAccount(tx)).get(target.id);
          if (!had) throw new UserError(`${target.name} has no valuation method`);
          await deleteValuation(tx, target.id);
          const gone = raw.keepValues
            ? { deleted: 0, earliest: null }
            : await deleteGenerated(tx, target.id);
          await refreshFrom(tx, run, gone.earliest);
          return { target, gone, method: had.rule.method };
        });
        if (out.json) {
          out.result({
            account: { id: result.target.id, name: result.target.name },
            method: result.method,
            deleted: result.gone.deleted,
            earliestChange: result.gone.earliest,
          });
          return;
        }
        out.line(
          `${result.target.name}: ${result.method} removed` +
            (raw.keepValues
              ? "; its values stay."
              : `, with ${result.gone.deleted} generated values.`),
        );
      },
    );
  return examples(command, [
    "networth valuation clear Car",
    "networth valuation clear Car --keep-values",
  ]);
}

export function valuationCommand(app: App): Command {
  return new Command("valuation")
    .description("valuation methods: values that move on their own (depreciation, loans, ...)")
    .addCommand(setCommand(app))
    .addCommand(showCommand(app))
    .addCommand(clearCommand(app));
}
