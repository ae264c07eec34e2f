import { Command } from "commander";
import { dateFormatOf } from "../core/dates.js";
import { DEMO_EMAIL, deleteDemoUser, seedDemo } from "../db/demo.js";
import { userReport } from "../db/report.js";
import { startSession } from "../db/sessions.js";
import { refreshSnapshots } from "../db/snapshots.js";
import { type App, examples } from "./app.js";

export function demoCommand(app: App): Command {
  const command = new Command("demo")
    .description(
      `create (or reset) a demo user, ${DEMO_EMAIL}, with two years of history, log in as it and show the report`,
    )
    .option("--json", "print the report as JSON")
    .action(async (raw: { json?: boolean }, cmd: Command) => {
      const ctx = app.context(cmd);
      const out = app.output(raw);
      const db = await ctx.database();
      const today = ctx.today();
      out.info(`Creating the demo user ${DEMO_EMAIL} with two years of history...`);
      await deleteDemoUser(db.sql);
      const { user } = await startSession(db, ctx.config, DEMO_EMAIL, { now: ctx.now() });
      await db.asUser(user.id, async (tx) => {
        const first = await seedDemo(tx, user.id, today);
        await refreshSnapshots(tx, { userId: user.id }, first, today);
      });
      const report = await userReport(db, user.id, {
        to: today,
        currency: user.preferences.currency || "USD",
      });
      if (out.json) {
        out.result(report);
        return;
      }
      out.info(
        `Logged in as ${DEMO_EMAIL}. Try networth accounts, networth report --interval week, networth history Home.\n`,
      );
      const { renderReport } = await import("../output/report.js");
      renderReport(out, report, dateFormatOf(user.preferences.dateFormat));
      // On a terminal, straight into the dashboard (the report is there again on quitting it).
      const dashboard = cmd.parent?.commands.find((c) => c.name() === "dashboard");
      if (dashboard && out.terminal) await dashboard.parseAsync([], { from: "user" });
    });
  return examples(command, ["networth demo", "networth demo --json | jq '.current.netWorth'"]);
}
