#include "api/envelope.h"

#include <boost/json.hpp>

namespace cfiam::api {
namespace json = boost::json;
namespace {

// Appends the compact serialization of `v` to `out` (what json::serialize
// returns, without a string of its own).
template <class T>
void AppendJson(std::string& out, const T& v) {
  json::serializer sr;
  sr.reset(&v);
  char buf[4096];
  while (!sr.done()) {
    const json::string_view part = sr.read(buf, sizeof buf);
    out.append(part.data(), part.size());
  }
}

}  // namespace

std::string SuccessBody(Reply&& reply) {
  // Every successful response comes through here: write the fixed parts of
  // the envelope as text around the serialized members instead of moving
  // them into a json::object first. Same bytes, same member order.
  if (!reply.body_text.empty()) return std::move(reply.body_text);
  if (reply.body_shared) return *reply.body_shared;
  std::string out;
  out.reserve(512);
  out.append(R"({"success":true,"errors":[],"messages":)");
  if (!reply.messages_text.empty()) {
    out.append(reply.messages_text);
  } else if (reply.messages.empty()) {
    out.append("[]");
  } else {
    AppendJson(out, reply.messages);
  }
  out.append(R"(,"result":)");
  if (!reply.result_text.empty()) {
    out.append(reply.result_text);
  } else {
    AppendJson(out, reply.result);
  }
  if (reply.result_info) {
    out.append(R"(,"result_info":)");
    AppendJson(out, *reply.result_info);
  }
  out.push_back('}');
  return out;
}

}  // namespace cfiam::api
