import { Help } from "commander";
import { describe, expect, it } from "vitest";
import { buildProgram, COMMANDS } from "../../src/cli.js";
import type { App } from "../../src/commands/app.js";

const app = {
  context() {
    throw new Error("no context in this test");
  },
  output() {
    throw new Error("no output in this test");
  },
  streams: { stdout: process.stdout, stderr: process.stderr, env: {} },
} as unknown as App;

describe("lazily loaded commands", () => {
  it("the table lists every command with the term and line the command itself has", async () => {
    const eager = await buildProgram(app);
    const help = new Help();
    expect(COMMANDS.map((c) => [c.name, c.term, c.description])).toEqual(
      eager.commands.map((c) => [c.name(), help.subcommandTerm(c), c.description()]),
    );
  });

  it("the root help without loading any command is the same as with all of them", async () => {
    const lazy = await buildProgram(app, ["node", "networth", "--help"]);
    const eager = await buildProgram(app);
    expect(lazy.helpInformation()).toBe(eager.helpInformation());
  });

  it("loads only the command that runs (and those it runs itself)", async () => {
    const loaded = (program: Awaited<ReturnType<typeof buildProgram>>) =>
      program.commands
        .filter((c) => c.options.length > 0 || c.commands.length > 0)
        .map((c) => c.name());
    expect(
      loaded(await buildProgram(app, ["node", "networth", "--database-url", "x", "report"])),
    ).toEqual(["report"]);
    expect(loaded(await buildProgram(app, ["node", "networth", "help", "accounts"]))).toEqual([
      "accounts",
    ]);
    expect(loaded(await buildProgram(app, ["node", "networth", "demo"]))).toEqual(["demo"]);
    expect(loaded(await buildProgram(app, ["node", "networth"]))).toEqual([]);
  });
});
