/** The matsense version, from package.json (set by vite's `define`). */
declare const __MATSENSE_VERSION__: string;
