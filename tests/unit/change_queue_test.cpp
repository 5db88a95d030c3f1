// The change queue's mechanics (api/change_queue.h): requests run on its own
// thread in batches no larger than its bound, in arrival order; a batch can
// take in what arrived while it ran; Stop runs what is queued, and a push
// after it is refused with the request left to the caller.
#include "api/change_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

namespace cfiam::api {
namespace {

http::Request RequestNamed(const std::string& ray) {
  http::Request r;
  r.ray = ray;
  return r;
}

TEST(ChangeQueue, RunsRequestsInOrderInBoundedBatchesOnItsOwnThread) {
  std::mutex mu;
  std::vector<std::string> order;
  std::vector<std::size_t> sizes;
  std::thread::id runner;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  ChangeQueue queue(
      [&](std::vector<ChangeQueue::Item>& batch) {
        released.wait();  // let every push land first
        std::lock_guard lock(mu);
        runner = std::this_thread::get_id();
        sizes.push_back(batch.size());
        for (auto& item : batch) {
          order.push_back(item.request.ray);
          item.done(http::Response{201, item.request.ray, {}});
        }
      },
      /*max_batch=*/4);
  std::atomic<int> answered{0};
  for (int i = 0; i < 10; ++i) {
    http::Request r = RequestNamed("r" + std::to_string(i));
    http::Server::Completion done = [&answered, i](http::Response res) {
      EXPECT_EQ(res.body, "r" + std::to_string(i));  // each its own answer
      answered.fetch_add(1);
    };
    ASSERT_TRUE(queue.Push(r, done));
    EXPECT_TRUE(r.ray.empty());  // taken
  }
  release.set_value();
  queue.Stop();  // runs what is queued
  EXPECT_EQ(answered.load(), 10);
  EXPECT_NE(runner, std::this_thread::get_id());
  std::vector<std::string> want;
  for (int i = 0; i < 10; ++i) want.push_back("r" + std::to_string(i));
  EXPECT_EQ(order, want);
  for (std::size_t n : sizes) EXPECT_LE(n, 4u);

  http::Request late = RequestNamed("late");
  http::Server::Completion late_done = [](http::Response) { FAIL() << "never runs"; };
  EXPECT_FALSE(queue.Push(late, late_done));
  EXPECT_EQ(late.ray, "late");  // left for the worker path
  EXPECT_TRUE(static_cast<bool>(late_done));
}

TEST(ChangeQueue, ABatchTakesInWhatArrivedWhileItRan) {
  ChangeQueue* self = nullptr;
  std::promise<void> first_running;
  std::promise<void> second_pushed;
  std::vector<std::size_t> sizes;
  bool took_more = false;
  ChangeQueue queue(
      [&](std::vector<ChangeQueue::Item>& batch) {
        if (sizes.empty()) {
          first_running.set_value();
          second_pushed.get_future().wait();
          took_more = self->TakeMore(batch);
        }
        sizes.push_back(batch.size());
        for (auto& item : batch) item.done(http::Response{});
      },
      /*max_batch=*/8);
  self = &queue;
  std::atomic<int> answered{0};
  auto push = [&](const std::string& ray) {
    http::Request r = RequestNamed(ray);
    http::Server::Completion done = [&answered](http::Response) { answered.fetch_add(1); };
    ASSERT_TRUE(queue.Push(r, done));
  };
  push("a");
  first_running.get_future().wait();
  push("b");
  push("c");
  second_pushed.set_value();
  queue.Stop();
  EXPECT_TRUE(took_more);
  EXPECT_EQ(sizes, (std::vector<std::size_t>{3}));
  EXPECT_EQ(answered.load(), 3);
}

}  // namespace
}  // namespace cfiam::api
