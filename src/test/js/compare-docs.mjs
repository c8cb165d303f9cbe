// Loads two Automerge documents (save() bytes, base64, argv[2] and argv[3]) with the JS reference library and
// prints one JSON line: {equal, a, b} where a and b are the documents as plain JSON.
import * as Automerge from "@automerge/automerge";

const load = (b64) => Automerge.toJS(Automerge.load(new Uint8Array(Buffer.from(b64, "base64"))));
const a = load(process.argv[2]);
const b = load(process.argv[3]);
console.log(JSON.stringify({ equal: JSON.stringify(a) === JSON.stringify(b), a, b }));
