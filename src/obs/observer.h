// Observer: wraps the server's handlers to answer the operational endpoints
// (GET /readyz, and GET /metrics where it is served) and to record, for every
// request, its metrics (route template, method, status, latency) and its
// access line.
//
// The API layer reports what it learned while handling a request through the
// Note* hooks below; they write a thread-local record (handlers run
// synchronously on the calling thread), so reporting costs a few stores and
// no allocation.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "http/server.h"

namespace cfiam::obs {

// Hooks for the API layer: the route that matched (its metrics slot and its
// template, which must outlive the process), the caller, the account.
void NoteRoute(int slot, std::string_view route_template);
void NoteActor(std::string_view type, std::string_view id);
void NoteAccount(std::string_view account_id);

// What the Note* hooks recorded for one request. A stage that runs many
// requests on one thread before answering any (the API's change queue) takes
// each one's note when it is done with it and finishes it when it answers.
constexpr std::size_t kNoteIdBytes = 48;  // ids longer are cut in the access line
struct RequestNote {
  int slot = -1;
  std::string_view route;
  std::string_view actor_type;
  char actor_id[kNoteIdBytes];
  std::size_t actor_id_len = 0;
  char account_id[kNoteIdBytes];
  std::size_t account_id_len = 0;
};
// Clears this thread's note before a request.
void ResetNote();
// This thread's note.
RequestNote TakeNote();
// The request's metrics and access line, from its note.
void FinishRequest(const RequestNote& note, const http::Request& request,
                   const http::Response& response);

struct ObserverOptions {
  // Answer GET /metrics here (false when it has a listener of its own).
  bool serve_metrics = true;
  // Answer GET /readyz: returns why the node is not ready, or nullopt.
  std::function<std::optional<std::string>()> readiness;
};

class Observer {
 public:
  Observer(ObserverOptions options, http::Server::Handler handler,
           http::Server::InlineHandler inline_handler, http::Server::HeaderCheck header_check);

  // The handlers to give the server.
  http::Response Handle(http::Request& request);
  bool HandleInline(http::Request& request, http::Response& response);
  // Hands an API request to `submit` (http::Server::Submit); the stage that
  // answers it finishes it (FinishRequest).
  bool Submit(http::Request& request, const http::Server::MakeCompletion& make_done);
  void set_submit(http::Server::Submit submit) { submit_ = std::move(submit); }
  bool CheckHeader(http::Request& request, http::Response& response);

 private:
  enum class Endpoint { kNone, kHealthz, kReadyz, kMetrics };
  Endpoint Classify(const http::Request& request) const;
  http::Response Readyz() const;

  ObserverOptions options_;
  http::Server::Handler handler_;
  http::Server::InlineHandler inline_handler_;
  http::Server::HeaderCheck header_check_;
  http::Server::Submit submit_;
};

// The handler of a listener that serves only the operational endpoints.
http::Response NotFound(http::Request& request);

}  // namespace cfiam::obs
