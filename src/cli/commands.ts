/**
 * Side-effect imports of modules that add subcommands with `registerCommands`
 * (sweep, aggregate, plot, reproduce, …). One line per module.
 */
import "./sweep.js";
import "./instance.js";
import "./plot.js";
import "./reproduce.js";
import "./doctor.js";
import "./cluster.js";
import "./explore.js";
export {};
