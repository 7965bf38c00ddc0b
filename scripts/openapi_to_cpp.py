#!/usr/bin/env python3
"""Build step (CMakeLists.txt): openapi.yaml -> a .cpp holding it as compact JSON, served by
GET /api/v1/vapi/openapi.json (http/openapi_route.cpp). Needs Debian's python3-yaml.

Usage: openapi_to_cpp.py <openapi.yaml> <output.cpp>
"""
import json
import re
import sys

import yaml

DELIMITER = "openapi_json"


class Yaml12Loader(yaml.SafeLoader):
    """SafeLoader reads YAML 1.1, where on/off/yes/no are booleans and 2025-01-15 a date; OpenAPI
    documents are YAML 1.2 (the lint reads them so), where those are strings. Resolve only the
    1.2 core schema's booleans so the served JSON is the document the lint checked."""


Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers
            if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"))


def main(source, target):
    with open(source, encoding="utf-8") as f:
        document = yaml.load(f, Loader=Yaml12Loader)
    if not isinstance(document, dict) or document.get("openapi") != "3.1.0":
        sys.exit(f"{source}: not an OpenAPI 3.1.0 document")
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    if f"){DELIMITER}\"" in text:
        sys.exit(f"{source}: the JSON holds the raw string's delimiter )" + DELIMITER)
    out = ("// Generated at build time from openapi.yaml by scripts/openapi_to_cpp.py: edit that "
           "file, not this one.\n"
           "#include \"http/openapi_document.hpp\"\n\n"
           "namespace http {\n"
           f"const std::string_view openapi_json = R\"{DELIMITER}({text}){DELIMITER}\";\n"
           "}  // namespace http\n")
    with open(target, "w", encoding="utf-8") as f:
        f.write(out)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
