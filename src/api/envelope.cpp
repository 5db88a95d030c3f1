#include "api/envelope.h"

#include <boost/json.hpp>

#include "api/json_text.h"

namespace cfiam::api {

std::string SuccessBody(Reply&& reply) {
  // Every successful response comes through here: write the fixed parts of
  // the envelope as text around the serialized members instead of moving
  // them into a json::object first. Same bytes, same member order.
  std::string out;
  out.reserve(512 + reply.result_json.size());
  out.append(R"({"success":true,"errors":[],"messages":)");
  AppendJson(out, reply.messages);
  out.append(R"(,"result":)");
  if (!reply.result_json.empty()) {
    out.append(reply.result_json);
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
