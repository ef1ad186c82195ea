import { Command, CommanderError } from "commander";
import { ConfigError } from "../config/schema.js";
import { matsenseVersion } from "../io/version.js";
import { addClusterCommands } from "./cluster.js";
import { addDoctorCommands } from "./doctor.js";
import { addExploreCommands } from "./explore.js";
import { addInstanceCommands } from "./instance.js";
import { addPlotCommands } from "./plot.js";
import { addReproduceCommands } from "./reproduce.js";
import { addRunCommands } from "./run.js";
import { type AddCommands, type CliIO, UsageError } from "./shared.js";
import { addSweepCommands } from "./sweep.js";

/** The command modules, in help order: one line per module. */
const COMMANDS: AddCommands[] = [addRunCommands, addSweepCommands, addClusterCommands, addInstanceCommands, addPlotCommands, addReproduceCommands, addExploreCommands, addDoctorCommands];

/** Builds the `matsense` command tree from the command modules. */
export function buildProgram(io: CliIO): Command {
  const program = new Command();
  program
    .name("matsense")
    .description("Low-rank matrix sensing by factorized gradient methods")
    .version(matsenseVersion())
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err });
  for (const add of COMMANDS) add(program, io);
  return program;
}

/** The CLI entry point; returns the exit code. Errors are one paragraph, never a stack trace. */
export async function main(argv: string[], io: CliIO = {
  out: (s: string) => void process.stdout.write(s),
  err: (s: string) => void process.stderr.write(s),
}): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv);
    const code = typeof process.exitCode === "number" ? process.exitCode : 0;
    process.exitCode = undefined;
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.exitCode === 0 ? 0 : 2;
    }
    if (e instanceof ConfigError) {
      io.err(`matsense: invalid config:\n${e.message.split("\n").map((l) => `  ${l}`).join("\n")}\n`);
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
