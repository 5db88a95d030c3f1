#include "api/change_queue.h"

#include <exception>
#include <utility>

#include "obs/log.h"

namespace cfiam::api {

ChangeQueue::ChangeQueue(RunBatch run, std::size_t max_batch)
    : run_(std::move(run)), max_batch_(max_batch ? max_batch : 1) {
  thread_ = std::thread([this] { Loop(); });
}

ChangeQueue::~ChangeQueue() { Stop(); }

bool ChangeQueue::Push(http::Request& request, http::Server::Completion& done) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return false;
    queue_.push_back(Item{std::move(request), std::move(done), {}, {}});
  }
  cv_.notify_one();  // no system call unless the thread waits
  return true;
}

void ChangeQueue::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void ChangeQueue::Loop() {
  std::vector<Item> batch;
  batch.reserve(max_batch_);  // TakeMore appends while items are in use
  for (;;) {
    batch.clear();
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, nothing left
      MoveQueued(batch);
    }
    try {
      run_(batch);
    } catch (const std::exception& e) {
      // The runner answers every request whatever its change does; this is
      // a bug, and the thread must survive it for the next batch.
      obs::log::Error("the change queue's batch failed", {{"error", e.what()}});
    }
  }
}

bool ChangeQueue::TakeMore(std::vector<Item>& batch) {
  const std::size_t had = batch.size();
  std::lock_guard lock(mu_);
  MoveQueued(batch);
  return batch.size() > had;
}

void ChangeQueue::MoveQueued(std::vector<Item>& batch) {
  while (!queue_.empty() && batch.size() < max_batch_) {
    batch.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
}

}  // namespace cfiam::api
