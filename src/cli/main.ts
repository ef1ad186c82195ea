import { Command, CommanderError } from "commander";
import { matsenseVersion } from "../io/version.js";
import { COMMANDS, type CommandModule } from "./commands.js";
import { type AddCommands, type CliIO, UsageError } from "./shared.js";

/** The module of each command, imported on demand (see commands.ts). */
const LOADERS: Record<CommandModule, () => Promise<AddCommands>> = {
  run: async () => (await import("./run.js")).addRunCommands,
  sweep: async () => (await import("./sweep.js")).addSweepCommands,
  cluster: async () => (await import("./cluster.js")).addClusterCommands,
  instance: async () => (await import("./instance.js")).addInstanceCommands,
  plot: async () => (await import("./plot.js")).addPlotCommands,
  reproduce: async () => (await import("./reproduce.js")).addReproduceCommands,
  explore: async () => (await import("./explore.js")).addExploreCommands,
  doctor: async () => (await import("./doctor.js")).addDoctorCommands,
};

/**
 * The module whose commands `argv` runs or asks help for (`matsense run …`, `matsense help
 * run`), or null for the program itself (`--version`, `--help`, no or an unknown command).
 */
export function targetModule(argv: string[]): CommandModule | null {
  const operands = argv.slice(2).filter((a) => !a.startsWith("-"));
  const name = operands[0] === "help" ? operands[1] : operands[0];
  return COMMANDS.find((c) => c.name === name)?.module ?? null;
}

/**
 * Builds the `matsense` command tree: the commands of `module` from their module, every other
 * command as a stub with its name, arguments and description (enough for the top-level help
 * and for commander's "unknown command" suggestions; it is never run). `module` undefined:
 * every module (the full tree).
 */
export async function buildProgram(io: CliIO, module?: CommandModule | null): Promise<Command> {
  const program = new Command();
  program
    .name("matsense")
    .description("Low-rank matrix sensing by factorized gradient methods")
    .version(matsenseVersion(), "-v, --version", "print the version")
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err });
  const load = module === undefined ? new Set(COMMANDS.map((c) => c.module)) : new Set(module ? [module] : []);
  const added = new Set<CommandModule>();
  for (const c of COMMANDS) {
    if (load.has(c.module)) {
      if (!added.has(c.module)) (await LOADERS[c.module]())(program, io);
      added.add(c.module);
      continue;
    }
    const stub = program.command(c.name).description(c.description);
    for (const a of c.args) stub.argument(a);
    if (c.options) stub.option("--options", "(the command's options: matsense help " + c.name + ")");
  }
  // (a module's commands are consecutive in the table, so the help lists them in its order)
  return program;
}

/** The CLI entry point; returns the exit code. Errors are one paragraph, never a stack trace. */
export async function main(
  argv: string[],
  io: CliIO = {
    out: (s: string) => void process.stdout.write(s),
    err: (s: string) => void process.stderr.write(s),
  },
): Promise<number> {
  const program = await buildProgram(io, targetModule(argv));
  try {
    await program.parseAsync(argv);
    const code = typeof process.exitCode === "number" ? process.exitCode : 0;
    process.exitCode = undefined;
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.exitCode === 0 ? 0 : 2;
    }
    const { ConfigError } = await import("../io/config-fields.js");
    if (e instanceof ConfigError) {
      io.err(
        `matsense: invalid config:\n${e.message
          .split("\n")
          .map((l) => `  ${l}`)
          .join("\n")}\n`,
      );
      return 2;
    }
    if (e instanceof UsageError) {
      io.err(`matsense: ${e.message}\n`);
      return e.exitCode;
    }
    io.err(`matsense: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}
