// Preloaded into a benchmarked CLI process (node --require): reports its CPU time (every thread) on exit.
'use strict';
process.on('exit', () => {
  const u = process.cpuUsage();
  process.stderr.write(`LORE_BENCH_CPU ${u.user + u.system}\n`);
});
