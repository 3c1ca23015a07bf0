// Bundles the SDK (dist/), the demo (build/demo/) and the tests (build/test/) with esbuild.
import { build } from "esbuild";
import { copyFileSync, mkdirSync, readdirSync, rmSync } from "node:fs";

const root = new URL("..", import.meta.url).pathname;
rmSync(`${root}dist`, { recursive: true, force: true });
rmSync(`${root}build`, { recursive: true, force: true });

const common = { bundle: true, format: "esm", sourcemap: true, logLevel: "warning", absWorkingDir: root };

// The package: one file per entry, dependencies left to the user's bundler or node_modules.
await build({
  ...common,
  entryPoints: { node: "src/node.ts", web: "src/web.ts", react: "src/react.tsx" },
  outdir: "dist",
  platform: "neutral",
  packages: "external",
  jsx: "automatic",
});

// The demo: one static page, everything bundled.
mkdirSync(`${root}build/demo`, { recursive: true });
await build({
  ...common,
  entryPoints: ["demo/main.tsx"],
  outfile: "build/demo/app.js",
  platform: "browser",
  jsx: "automatic",
  minify: true,
  define: { "process.env.NODE_ENV": '"production"' },
});
copyFileSync(`${root}demo/index.html`, `${root}build/demo/index.html`);

// The React bindings' test page.
mkdirSync(`${root}build/react-test`, { recursive: true });
await build({
  ...common,
  entryPoints: ["test/react/page.tsx"],
  outfile: "build/react-test/page.js",
  platform: "browser",
  jsx: "automatic",
  define: { "process.env.NODE_ENV": '"development"' },
});
copyFileSync(`${root}test/react/index.html`, `${root}build/react-test/index.html`);

// The tests, run by `node --test build/test/`.
const tests = readdirSync(`${root}test`).filter((f) => f.endsWith(".test.ts"));
await build({
  ...common,
  entryPoints: tests.map((f) => `test/${f}`),
  outdir: "build/test",
  outExtension: { ".js": ".mjs" },
  platform: "node",
  packages: "external",
  jsx: "automatic",
});
