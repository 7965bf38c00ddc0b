// The OpenAPI description of the service (openapi.yaml at the top of the repository), as
// compact JSON. Defined in a .cpp that the build generates from the YAML
// (scripts/openapi_to_cpp.py), so the served document is never older than the file.
#pragma once

#include <string_view>

namespace http {

extern const std::string_view openapi_json;

}  // namespace http
