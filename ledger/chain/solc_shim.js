#!/usr/bin/env node
// A `solc`-compatible front end to the npm solcjs build, for py-solc-x.
//
// py-solc-x runs `<binary> --version` and `<binary> --standard-json` (input on stdin);
// solcjs's own CLI prints a non-JSON line before its output, so this calls
// require("solc").compile() directly and writes nothing but the JSON answer.
// Imports resolve against the repository root, then node_modules (e.g. @openzeppelin/...).
"use strict";
const fs = require("fs");
const path = require("path");

const REPO_ROOT = path.resolve(__dirname, "..", "..");
const solc = require(path.join(REPO_ROOT, "node_modules", "solc"));

function findImports(importPath) {
  for (const base of [REPO_ROOT, path.join(REPO_ROOT, "node_modules")]) {
    const candidate = path.resolve(base, importPath);
    if (candidate.startsWith(base + path.sep) && fs.existsSync(candidate)) {
      return { contents: fs.readFileSync(candidate, "utf8") };
    }
  }
  return { error: `File not found: ${importPath}` };
}

const args = process.argv.slice(2);
if (args.includes("--version")) {
  process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`);
} else if (args.includes("--standard-json")) {
  const chunks = [];
  process.stdin.on("data", (c) => chunks.push(c));
  process.stdin.on("end", () => {
    process.stdout.write(solc.compile(Buffer.concat(chunks).toString("utf8"), { import: findImports }));
  });
} else {
  process.stderr.write("usage: solc --version | solc --standard-json < input.json\n");
  process.exit(2);
}
