/**
 * Writes dist/help.txt: the top-level `aks-kube-proxy --help`, exactly as commander prints it at 80 columns.
 * bin.js prints this file for a bare `--help` without loading commander or any command module, which keeps the
 * most common first command as fast as Node itself allows. Run after `tsc -b` (the build does); a test checks that
 * the file matches commander's output, so it cannot drift.
 */
"use strict";
const { writeFileSync } = require("node:fs");
const { join } = require("node:path");
const { renderTopLevelHelp } = require("../dist/help-snapshot");

writeFileSync(join(__dirname, "..", "dist", "help.txt"), renderTopLevelHelp());
