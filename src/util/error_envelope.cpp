#include "util/error_envelope.h"

#include <boost/json.hpp>

namespace cfiam {
namespace json = boost::json;
namespace {

json::object RenderError(const ErrorItem& e) {
  json::object o{{"code", e.code}, {"message", e.message}};
  if (!e.pointer.empty()) o["source"] = json::object{{"pointer", e.pointer}};
  if (!e.chain.empty()) {
    json::array chain;
    for (const ErrorItem& c : e.chain) chain.push_back(RenderError(c));
    o["error_chain"] = std::move(chain);
  }
  return o;
}

}  // namespace

std::string ErrorBody(const ApiError& error) {
  json::array errors;
  for (const ErrorItem& e : error.errors()) errors.push_back(RenderError(e));
  json::object env{{"success", false},
                   {"errors", std::move(errors)},
                   {"messages", json::array{}},
                   {"result", nullptr}};
  return json::serialize(env);
}

std::string ErrorBody(int code, std::string message) {
  // The status does not reach the body; 0 marks it unused.
  return ErrorBody(ApiError(0, code, std::move(message)));
}

}  // namespace cfiam
