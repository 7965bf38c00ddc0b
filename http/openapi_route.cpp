// GET /api/v1/vapi/openapi.json: the service's OpenAPI 3.1 document (openapi.yaml, embedded
// as JSON at build time). Guarded by API_TOKEN like every other read.
#include "http/openapi_document.hpp"
#include "http/replies.hpp"
#include "http/routes.hpp"

namespace http {

void routes::get_openapi(const request& req, writer rsp) {
  auto ex = open(req, route_label::openapi);
  if (!read_allowed(req, rsp, ex))
    return;
  replies::send(rsp, Pistache::Http::Code::Ok, std::string(openapi_json), ex);
}

}  // namespace http
