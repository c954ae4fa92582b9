// Bundle plotly.js's core and the trace types named on the command line into one minified script (run by
// scripts/build_plotly_bundle.sh, which installs the pinned tools and says where the result goes).
// Options follow plotly.js's own dist build (esbuild, IIFE exposing `Plotly`, ES2016), less its plugins: the
// only stylesheet the core can ask for is the map traces' (never registered here), and no WebGL shader is used.
import { build } from 'esbuild';
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

const [outfile, traceList] = process.argv.slice(2);
const traces = traceList.split(',');
const require = createRequire(import.meta.url);
const { version } = require('plotly.js/package.json');

// Attribute descriptions are documentation for the schema, never read when drawing; plotly.js's dist drops
// them too. Only string values are dropped (a literal, literals joined by +, or an array of them .join()ed),
// so a computed description stays and the code around it is untouched.
const STRING = String.raw`(?:'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")`;
const SUM = String.raw`${STRING}(?:\s*\+\s*${STRING})*`;
const JOINED = String.raw`\[\s*(?:${SUM}\s*,\s*)*(?:${SUM}\s*,?\s*)?\]\s*\.join\(\s*${STRING}\s*\)`;
const DESCRIPTION = new RegExp(String.raw`\bdescription:\s*(?:${JOINED}|${SUM})(?=\s*[,}])\s*,?`, 'g');
const dropDescriptions = {
  name: 'drop-descriptions',
  setup(b) {
    b.onLoad({ filter: /[\\/]plotly\.js[\\/]src[\\/].*\.js$/ }, async (args) => ({
      contents: (await readFile(args.path, 'utf8')).replace(DESCRIPTION, ''), loader: 'js',
    }));
  },
};

// scatter comes with the core; naming it again is harmless but plotly.js has no lib/ entry to skip it by.
const registered = traces.filter((t) => t !== 'scatter').map((t) => `require('plotly.js/lib/${t}')`);
const entry = `var Plotly = require('plotly.js/lib/core');\nPlotly.register([${registered.join(', ')}]);\n` +
  'module.exports = Plotly;\n';

const banner = `/**\n* plotly.js (partial: ${traces.join(', ')} - minified) v${version}\n` +
  '* Copyright 2012-2026, Plotly, Inc.\n* All rights reserved.\n* Licensed under the MIT license (LICENSE beside this file)\n' +
  '* Built by scripts/build_plotly_bundle.sh from plotly.js/lib/core and its lib/ entries for these traces\n*/';

const result = await build({
  stdin: { contents: entry, resolveDir: process.cwd(), sourcefile: 'partial-index.js' },
  bundle: true, format: 'iife', globalName: 'Plotly', minify: true, target: 'es2016', write: false,
  define: { global: 'window', 'define.amd': 'false', 'process.env.NODE_DEBUG': 'false' },
  loader: { '.css': 'empty' }, plugins: [dropDescriptions], legalComments: 'eof', logLevel: 'warning',
  banner: { js: banner },
});
await writeFile(outfile, result.outputFiles[0].contents);
console.log(`${outfile}: plotly.js ${version} with ${traces.join(', ')}, ${result.outputFiles[0].contents.length} bytes`);
