// What lint.mjs and validate.mjs share: the document, an ajv that compiles its schemas (every
// "#/components/..." $ref resolving inside it), $ref resolution of its other objects, and the
// router's view of its paths.
import fs from "node:fs";
import YAML from "yaml";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

export const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

// An id for the document as a schema; never fetched.
const ID = "urn:vapi-cache:openapi";

export function loadDocument(file) {
  const doc = YAML.parse(fs.readFileSync(file, "utf8"));
  doc.$id = ID;
  return doc;
}

// OpenAPI's own keywords in a schema object (3.1's dialect), known to ajv as annotations.
const OAS_KEYWORDS = ["discriminator", "xml", "externalDocs", "example"];

export function makeAjv(doc, { strict }) {
  const ajv = new Ajv2020({
    strictSchema: strict,  // an unknown keyword (a misspelt one) is an error
    strictTypes: false,    // "properties" beside an allOf's object type is fine
    strictTuples: false,
    allErrors: true,
    allowUnionTypes: true,
  });
  addFormats(ajv);
  ajv.addVocabulary(OAS_KEYWORDS);
  // The document is added as the schema "#/..." pointers resolve in; its own top-level keys
  // are annotations to ajv, so their contents are compiled only where a $ref points.
  ajv.addVocabulary(Object.keys(doc).filter((k) => k !== "$id"));
  ajv.addSchema(doc, ID, undefined, false);
  return ajv;
}

// `node`, or the object its $ref names (a "#/..." pointer into `doc`), followed to the end.
export function resolve(doc, node) {
  for (let seen = 0; node && node.$ref; ++seen) {
    if (seen > 20 || !node.$ref.startsWith("#/")) throw new Error(`cannot resolve ${node.$ref}`);
    node = node.$ref.slice(2).split("/").reduce((at, part) => {
      const key = decodeURIComponent(part).replaceAll("~1", "/").replaceAll("~0", "~");
      if (!at || !(key in at)) throw new Error(`cannot resolve ${node.$ref}`);
      return at[key];
    }, doc);
  }
  return node;
}

export function pointer(...parts) {
  return "#/" + parts.map((p) => String(p).replaceAll("~", "~0").replaceAll("/", "~1")).join("/");
}

// The path template a request path matches, as Pistache's router matches (empty segments are
// ignored, a template's {param} takes one segment, a fixed segment wins over a parameter).
export function matchPath(doc, path) {
  const segments = path.split("/").filter(Boolean);
  let best = null;
  for (const template of Object.keys(doc.paths)) {
    const parts = template.split("/").filter(Boolean);
    if (parts.length !== segments.length) continue;
    let fixed = 0;
    const ok = parts.every((p, i) => {
      if (/^\{.+\}$/.test(p)) return segments[i].length > 0;
      if (p === segments[i]) return ++fixed;
      return false;
    });
    if (ok && (!best || fixed > best.fixed)) best = { template, fixed };
  }
  return best && best.template;
}
