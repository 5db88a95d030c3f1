// Prices are decimal amounts of a currency, rounded to whole cents (half
// away from zero) here and nowhere else: the store keeps integer cents, rate
// plans derive prices rounded to the cent.
#pragma once

#include <cmath>
#include <cstdint>

namespace cfiam {

// 12.345 -> 1235.
inline std::int64_t ToCents(double amount) { return std::llround(amount * 100); }
// 12.345 -> 12.35.
inline double RoundToCents(double amount) { return static_cast<double>(ToCents(amount)) / 100; }

}  // namespace cfiam
