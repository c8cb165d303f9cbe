// The reference's Automerge core (@automerge/automerge, wasm) on one typing round, against the document's history:
// a client types one character, the server receives the sync message and generates its answer. Prints µs per call on
// the server's side. docsync's core on the same round: AutomergeReceiveBench.receiveChange (JMH, docs/benchmarks.md).
// Run: cd bench/reference-server && npm ci && node core-receive.mjs
import * as A from "@automerge/automerge";

const ROUNDS = 300;
for (const history of [1000, 5000, 20000, 50000]) {
  let client = A.from({ text: "" });
  for (let i = 1; i < history; i++) client = A.change(client, (d) => A.splice(d, ["text"], i - 1, 0, "x"));
  let server = A.init();
  let clientState = A.initSyncState();
  let serverState = A.initSyncState();
  const spent = { receive: 0n, generate: 0n };

  const exchange = (timed) => {
    for (let step = 0; step < 4; step++) {
      let message;
      [clientState, message] = A.generateSyncMessage(client, clientState);
      if (message) {
        const t0 = process.hrtime.bigint();
        [server, serverState] = A.receiveSyncMessage(server, serverState, message);
        if (timed && step === 0) spent.receive += process.hrtime.bigint() - t0;
      }
      const t1 = process.hrtime.bigint();
      let answer;
      [serverState, answer] = A.generateSyncMessage(server, serverState);
      if (timed && step === 0) spent.generate += process.hrtime.bigint() - t1;
      if (answer) [client, clientState] = A.receiveSyncMessage(client, clientState, answer);
      if (!message && !answer) return;
    }
  };

  for (let i = 0; i < 20; i++) exchange(false); // the server catches up with the whole history
  let length = history;
  for (let round = 0; round < ROUNDS + 50; round++) {
    client = A.change(client, (d) => A.splice(d, ["text"], length - 1, 0, "y"));
    length++;
    exchange(round >= 50);
  }
  const us = (ns) => (Number(ns) / 1e3 / ROUNDS).toFixed(0);
  console.log(`history ${history}: receive a change ${us(spent.receive)} us, generate the answer ${us(spent.generate)} us`);
}
