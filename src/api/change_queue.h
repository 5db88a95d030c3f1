// ChangeQueue: change requests run one after another on a thread of their
// own, in batches. The thread runs every change it has (each in its own unit
// of work, released into one held batch: store::WriteBatch), commits the
// batch with one fsync, applies it to the in-memory state once, and only
// then answers each request. A change thus costs no worker thread, no hand
// over of the writer lock and no wake-up of its own: under load, one wake-up
// and one fsync serve a whole batch (the worker path cost about six thread
// switches per change). Only for a store whose writer is one at a time
// anyway (SQLite); PostgreSQL runs changes concurrently on the workers.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "http/message.h"
#include "http/server.h"
#include "obs/observer.h"

namespace cfiam::api {

class ChangeQueue {
 public:
  struct Item {
    http::Request request;
    http::Server::Completion done;  // called once, with the answer
    http::Response response;        // set by the batch's runner
    obs::RequestNote note;          // likewise
  };
  // Runs a batch: answers every item (calls its `done`).
  using RunBatch = std::function<void(std::vector<Item>& batch)>;

  // Starts the thread. A batch holds at most `max_batch` requests.
  ChangeQueue(RunBatch run, std::size_t max_batch);
  // Stop().
  ~ChangeQueue();
  ChangeQueue(const ChangeQueue&) = delete;
  ChangeQueue& operator=(const ChangeQueue&) = delete;

  // Takes the request and its completion (moved from) and returns true;
  // false, leaving both, once stopping.
  bool Push(http::Request& request, http::Server::Completion& done);
  // Runs what is queued, then ends the thread. Idempotent.
  void Stop();
  // On the queue's thread, from RunBatch: appends what arrived since the
  // batch was taken, up to its bound; returns whether it added any. A batch
  // runs what it took, then this, until nothing more came, before it
  // commits: requests arriving while it runs share its fsync instead of
  // waiting for it and then starting a batch of one.
  bool TakeMore(std::vector<Item>& batch);

 private:
  void Loop();
  // REQUIRES: mu_ held.
  void MoveQueued(std::vector<Item>& batch);

  RunBatch run_;
  const std::size_t max_batch_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> queue_;  // guarded by mu_
  bool stopping_ = false;   // guarded by mu_
  std::thread thread_;
};

}  // namespace cfiam::api
