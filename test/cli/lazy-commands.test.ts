import { describe, expect, it } from "vitest";
import { buildProgram, targetModule } from "../../src/cli/main.js";
import { COMMANDS } from "../../src/cli/commands.js";

const io = { out: () => {}, err: () => {} };

describe("the CLI loads only the module of the command it runs", () => {
  it("shows the same top-level help from the command table as from every module loaded", async () => {
    const full = await buildProgram(io);
    const light = await buildProgram(io, null);
    expect(light.helpInformation()).toBe(full.helpInformation());
    expect(full.commands.map((c) => c.name())).toEqual(COMMANDS.map((c) => c.name));
  });

  it("gives each command's own help from its module, as with every module loaded", async () => {
    const full = await buildProgram(io);
    for (const c of COMMANDS) {
      const only = await buildProgram(io, c.module);
      const a = only.commands.find((x) => x.name() === c.name)!,
        b = full.commands.find((x) => x.name() === c.name)!;
      expect(a.helpInformation()).toBe(b.helpInformation());
      expect(a.options.some((o) => o.long === "--options")).toBe(false); // the real command, not the stub
    }
  });

  it("finds the command's module from argv (options anywhere, `help NAME`), and none for the program itself", () => {
    expect(targetModule(["node", "matsense", "run", "-q", "--set", "a=1"])).toBe("run");
    expect(targetModule(["node", "matsense", "-q", "aggregate", "dir"])).toBe("sweep");
    expect(targetModule(["node", "matsense", "help", "queue-status"])).toBe("cluster");
    expect(targetModule(["node", "matsense", "--version"])).toBeNull();
    expect(targetModule(["node", "matsense", "--help"])).toBeNull();
    expect(targetModule(["node", "matsense", "nonsense"])).toBeNull();
  });
});
