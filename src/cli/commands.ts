/**
 * The commands of `matsense`, in help order: what the top-level help shows of each (name,
 * arguments, whether it has options, description — stated here once and used by the module
 * that defines the command) and that module. main.ts imports a module only when one of its
 * commands runs or its own help is asked, so `--version`, `--help` and the start of a `run`
 * do not load the modules of the other commands (zod schemas, plotting, queues…).
 */
export const COMMANDS = [
  {
    name: "run",
    module: "run",
    args: [],
    options: true,
    description: "run one config (or, with no --config and no --set, the built-in demo: symmetric GD with k = r versus k > r on the same data)",
  },
  {
    name: "config",
    module: "run",
    args: [],
    options: true,
    description: "print the resolved config (defaults filled in), or with --schema every field with its default and meaning",
  },
  {
    name: "sweep",
    module: "sweep",
    args: [],
    options: true,
    description: "run a grid of configs (base config × varied values × seeds) in parallel, resumable; then aggregate",
  },
  {
    name: "aggregate",
    module: "sweep",
    args: ["<dir>", "[more...]"],
    options: true,
    description:
      "merge a sweep folder (all shards): write runs.csv, curves.csv and manifest.json, print the table; " +
      "for a run folder: print its status, final errors and fitted rate",
  },
  {
    name: "slurm",
    module: "cluster",
    args: [],
    options: true,
    description: "run a sweep as a Slurm job array: task i runs --shard i/N; --emit writes the script, --submit also runs sbatch (+ a dependent aggregate job)",
  },
  {
    name: "status",
    module: "cluster",
    args: ["<dir>"],
    options: true,
    description: "state of a sweep folder from its files only: runs done / failed / interrupted / started / missing, per shard, ETA",
  },
  {
    name: "missing",
    module: "cluster",
    args: ["<dir>"],
    options: true,
    description: "the shards of N with unfinished runs, as a Slurm list for `sbatch --array=$(matsense missing DIR --shards N) DIR/slurm/array.sbatch`",
  },
  {
    name: "enqueue",
    module: "cluster",
    args: [],
    options: true,
    description: "add one job per unfinished run of a sweep to a Redis/BullMQ queue (enqueueing twice adds nothing)",
  },
  {
    name: "worker",
    module: "cluster",
    args: [],
    options: true,
    description: "take sweep runs from a Redis/BullMQ queue and run each in a child process; SIGTERM: exit after the current job(s)",
  },
  {
    name: "queue-status",
    module: "cluster",
    args: [],
    options: true,
    description: "job counts of a Redis/BullMQ sweep queue: waiting / active / done / failed",
  },
  {
    name: "instance",
    module: "instance",
    args: [],
    options: true,
    description:
      "inspect the sensing instance of a config: sizes, norms, operator gain on M*, memory; --rip r: Monte-Carlo estimate of the operator's " +
      "rank-r restricted-isometry deviation |‖A(Z)‖²/‖Z‖²_F − 1| on random rank-r Z",
  },
  {
    name: "plot",
    module: "plot",
    args: ["<dirs...>"],
    options: true,
    description:
      "draw SVG, PNG (2×) and PDF figures of a run folder or a sweep folder (from its result files) into DIR/figures; " +
      "with several folders, one error figure overlaying them (overlay.svg/png/pdf)",
  },
  {
    name: "reproduce",
    module: "reproduce",
    args: ["[name]"],
    options: true,
    description: "reproduce a paper's phenomenon at our sizes: run a preset's sweep, aggregate, plot, check its claims and write report.md",
  },
  {
    name: "explore",
    module: "explore",
    args: ["[dir]"],
    options: true,
    description:
      "serve the interactive explorer (the browser playground) on localhost, with cross-origin-isolation headers; with DIR, open that run or sweep folder",
  },
  {
    name: "doctor",
    module: "doctor",
    args: [],
    options: false,
    description:
      "self-check after install: environment (backends, WASM SIMD and threads, memory) and a ~2 s battery of mathematical checks; exit 1 if any fails",
  },
] as const;

/** A command module's key. */
export type CommandModule = (typeof COMMANDS)[number]["module"];

/** The one-line description of command `name` (as the top-level help shows it). */
export function commandDescription(name: (typeof COMMANDS)[number]["name"]): string {
  return COMMANDS.find((c) => c.name === name)!.description;
}
