// Reads the kubeProxyConfig spec excerpts of this folder into one shape per api-version, oldest first:
// { apiVersion, fields: { "<path>": { type, format?, enum?, description? } } } with `$ref`s resolved.
// Used by the SDK's and the emulator's tests (plain CommonJS so either can require it without importing the other).
const { readdirSync, readFileSync } = require("node:fs");
const { join } = require("node:path");

function resolve(node, definitions) {
  if (node && typeof node.$ref === "string") {
    const target = definitions[node.$ref.replace("#/definitions/", "")];
    return { ...resolve(target, definitions), description: node.description ?? target.description };
  }
  return node;
}

function flatten(schema, definitions, prefix, out) {
  for (const [name, raw] of Object.entries(schema.properties ?? {})) {
    const node = resolve(raw, definitions);
    const path = prefix ? `${prefix}.${name}` : name;
    out[path] = { type: node.type, format: node.format, enum: node.enum, enumName: node["x-ms-enum"]?.name, description: node.description };
    if (node.type === "object") flatten(node, definitions, path, out);
  }
  return out;
}

/** @returns {{ apiVersion: string, fields: Record<string, { type: string, format?: string, enum?: string[], enumName?: string, description?: string }> }[]} */
function readSpecExcerpts() {
  return readdirSync(__dirname)
    .filter((f) => /^kubeProxyConfig_.+\.json$/.test(f))
    .sort()
    .map((file) => {
      const doc = JSON.parse(readFileSync(join(__dirname, file), "utf8"));
      const definitions = doc.definitions ?? {};
      const root = doc.kubeProxyConfig ?? definitions.ContainerServiceNetworkProfileKubeProxyConfig;
      return { apiVersion: file.replace(/^kubeProxyConfig_|\.json$/g, ""), fields: flatten(root, definitions, "", {}) };
    });
}

module.exports = { readSpecExcerpts };
