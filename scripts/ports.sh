# Sourced by scripts/redis.sh and scripts/slurm.sh: free_ports COUNT prints a port p such that
# p … p + COUNT − 1 are free (nothing listens on them, on any address), starting from the one the
# kernel hands out for port 0 — never a fixed port, which another user's or test's service may hold.
# (Slurm needs two consecutive ports: slurmctld and slurmd.)
free_ports() {
  node -e '
const net = require("node:net");
const count = Number(process.argv[1]);
const listen = (port) =>
  new Promise((resolve) => {
    const s = net.createServer();
    s.once("error", () => resolve(null));
    s.listen(port, () => resolve(s));
  });
(async () => {
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = await listen(0);
    if (!first) continue;
    const base = first.address().port;
    const held = [first];
    let ok = base + count <= 65536;
    for (let i = 1; i < count && ok; i++) {
      const s = await listen(base + i);
      if (s) held.push(s);
      else ok = false;
    }
    for (const s of held) s.close();
    if (ok) {
      console.log(base);
      return;
    }
  }
  console.error(`no ${count} consecutive free ports found`);
  process.exit(1);
})();
' "$1"
}

# port_free P: exit 0 when nothing listens on port P (on any address).
port_free() {
  node -e 'const s = require("node:net").createServer(); s.once("error", () => process.exit(1)); s.listen(Number(process.argv[1]), () => s.close());' "$1"
}
