// Builds the web app into src/main/resources/webroot (served by docsync from the jar, committed):
//   node build.mjs          rebuild it
//   node build.mjs --check  rebuild into a temporary folder and fail if the committed webroot differs
// The build is deterministic: same sources and lockfile, same bytes (content-hashed file names).
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const webroot = join(here, "..", "resources", "webroot");
const check = process.argv.includes("--check");

const hash = (bytes) => createHash("sha256").update(bytes).digest("hex").slice(0, 12);

async function buildInto(out) {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, "assets"), { recursive: true });
  const wasmSource = join(here, "node_modules", "@automerge", "automerge", "dist", "automerge.wasm");
  const wasmName = `assets/automerge-${hash(readFileSync(wasmSource))}.wasm`;
  copyFileSync(wasmSource, join(out, wasmName));
  const result = await build({
    entryPoints: { app: join(here, "src", "main.js"), style: join(here, "src", "style.css") },
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    target: ["chrome120", "firefox120", "safari17"],
    outdir: join(out, "assets"),
    entryNames: "[name]-[hash]",
    define: { __WASM_URL__: JSON.stringify(wasmName), "process.env.NODE_ENV": '"production"', global: "globalThis" },
    legalComments: "eof",
    metafile: true,
    logLevel: "warning",
  });
  const outputs = Object.keys(result.metafile.outputs).map((p) => relative(out, p).split("\\").join("/"));
  const js = outputs.find((p) => p.startsWith("assets/app-") && p.endsWith(".js"));
  const css = outputs.find((p) => p.startsWith("assets/style-") && p.endsWith(".css"));
  const html = readFileSync(join(here, "src", "index.html"), "utf8").replace("%JS%", js).replace("%CSS%", css);
  writeFileSync(join(out, "index.html"), html);
}

function files(dir, prefix = "") {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]).sort();
}

if (check) {
  const tmp = mkdtempSync(join(tmpdir(), "docsync-webapp-"));
  try {
    await buildInto(tmp);
    const built = files(tmp);
    let committed = [];
    try {
      committed = files(webroot);
    } catch {
      // no webroot at all: everything differs
    }
    const differ = [...new Set([...built, ...committed])].filter((f) =>
      !built.includes(f) || !committed.includes(f) || !readFileSync(join(tmp, f)).equals(readFileSync(join(webroot, f))));
    if (differ.length) {
      console.error(`webroot differs from a build of src/main/webapp: ${differ.join(", ")}. Run: cd src/main/webapp && npm run build`);
      process.exit(1);
    }
    console.log(`webroot matches its sources (${built.length} files)`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
} else {
  await buildInto(webroot);
  console.log(`built ${files(webroot).join(", ")}`);
}
