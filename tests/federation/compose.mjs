// Compose one subgraph's SDL (read from stdin) with Apollo's own composition library.
//
// Prints {"ok", "errors", "hints", "supergraphSdl"} as JSON on stdout; exits 0 when the
// supergraph composes, 1 when composition (or parsing the SDL) reports errors.
// Usage: node compose.mjs < subgraph.graphql   (tests/federation/test_composition.py runs it)

import composition from "@apollo/composition";
import { parse } from "graphql";

// @apollo/composition is CommonJS: take the named export from its default export.
const { composeServices } = composition;

const SUBGRAPH = { name: "bigledger", url: "http://127.0.0.1:8000/graphql" };

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

function report(result) {
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  process.exitCode = result.ok ? 0 : 1;
}

const sdl = await readStdin();
if (!sdl.trim()) {
  report({ ok: false, errors: ["no SDL on stdin"], hints: [], supergraphSdl: "" });
} else {
  let typeDefs;
  try {
    typeDefs = parse(sdl);
  } catch (error) {
    typeDefs = null;
    report({ ok: false, errors: [`SDL does not parse: ${error.message}`], hints: [], supergraphSdl: "" });
  }
  if (typeDefs) {
    const result = composeServices([{ ...SUBGRAPH, typeDefs }]);
    const errors = (result.errors ?? []).map((error) => error.message);
    const hints = (result.hints ?? []).map((hint) => hint.message ?? hint.toString());
    report({
      ok: errors.length === 0,
      errors,
      hints,
      supergraphSdl: errors.length === 0 ? result.supergraphSdl : "",
    });
  }
}
