// The copy keeps nlohmann's own choices, so nothing downstream can tell the parsers apart: a
// non-negative integer is unsigned, a negative one signed, anything with a fraction or an
// exponent a double; of duplicate keys the last wins. (One difference nobody can see: "-0" is
// signed in nlohmann's tree and unsigned here; both are the integer 0 and print as 0.)
// tests/fuzz/webhook_fuzz.cpp checks that the two parsers give the same text for every input.
#include "vapi/fast_parse.hpp"

#include <simdjson.h>

namespace vapi {
namespace {

using nlohmann::json;
namespace dom = simdjson::dom;

void copy(dom::element from, json& to) {
  switch (from.type()) {
    case dom::element_type::OBJECT: {
      to = json::object();
      auto& members = to.get_ref<json::object_t&>();
      dom::object object = from.get_object().value_unsafe();  // (a copy: range-for over the
      for (dom::key_value_pair field : object)                 //  temporary result would dangle)
        copy(field.value, members[std::string(field.key)]);    // a later duplicate overwrites
      return;
    }
    case dom::element_type::ARRAY: {
      to = json::array();
      auto& elements = to.get_ref<json::array_t&>();
      dom::array array = from.get_array().value_unsafe();
      for (dom::element item : array) {
        elements.emplace_back();
        copy(item, elements.back());
      }
      return;
    }
    case dom::element_type::STRING:
      to = std::string(from.get_string().value_unsafe());
      return;
    case dom::element_type::INT64: {
      int64_t n = from.get_int64().value_unsafe();
      if (n >= 0)
        to = static_cast<uint64_t>(n);
      else
        to = n;
      return;
    }
    case dom::element_type::UINT64:
      to = from.get_uint64().value_unsafe();
      return;
    case dom::element_type::DOUBLE:
      to = from.get_double().value_unsafe();
      return;
    case dom::element_type::BOOL:
      to = from.get_bool().value_unsafe();
      return;
    case dom::element_type::NULL_VALUE:
      to = nullptr;
      return;
  }
}

}  // namespace

std::optional<json> fast_parse(std::string_view body, size_t max_depth) {
  thread_local dom::parser parser;
  if (parser.max_depth() != max_depth && parser.allocate(4096, max_depth))
    return std::nullopt;
  dom::element root;
  if (parser.parse(body.data(), body.size(), /*realloc_if_needed=*/true).get(root))
    return std::nullopt;
  json doc;
  copy(root, doc);
  return doc;
}

}  // namespace vapi
