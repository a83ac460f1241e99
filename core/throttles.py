"""The API's throttles: DRF's, counting requests instead of listing them.

DRF's SimpleRateThrottle keeps the time of every request of the last period
in one cache entry, which each request reads whole, edits and writes back. At
a researcher's rate (1,200 a minute) that is a list of up to 1,200 floats
pickled twice a request, and two workers answering the same account at once
each write back their own copy, so requests go uncounted. Here each period
has a counter that the cache increments atomically (Redis INCR), and the rate
is judged over the sliding last period, as DRF's is, by weighing the previous
period's count by the share of it still inside (Cloudflare's "sliding window
counter"): a constant cost and nothing lost to a race. The previous
period's requests are taken as spread evenly over it, so the rate over the
sliding period is estimated, not exact; within any one period it is never
passed. DRF's classes, scopes, rates and its 429 with Retry-After are kept;
only the counting is new.
"""

from rest_framework import throttling


class CountingThrottle(throttling.SimpleRateThrottle):
    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        period = int(self.now // self.duration)
        current, previous = f"{self.key}:{period}", f"{self.key}:{period - 1}"
        counts = self.cache.get_many([current, previous])
        self.counts = counts.get(current, 0), counts.get(previous, 0)
        self.elapsed = self.now - period * self.duration
        if self._estimate(*self.counts, self.elapsed) + 1 > self.num_requests:
            return self.throttle_failure()
        try:
            self.cache.incr(current)
        except ValueError:  # the period's first request (or its entry expired)
            # Two periods: the next one still weighs this one's count.
            if not self.cache.add(current, 1, timeout=2 * self.duration):
                self.cache.incr(current)  # another worker added it first
        return True

    def _estimate(self, current: int, previous: int, elapsed: float) -> float:
        """Requests in the last `duration` seconds, the previous period's
        taken as spread evenly over it."""
        return previous * (1 - elapsed / self.duration) + current

    def wait(self):
        """Seconds until one more request fits in the rate."""
        current, previous = self.counts
        room = self.num_requests - 1 - current  # for the previous period's share
        if room >= 0 and previous > 0:
            # Within this period, as the previous one slides out.
            return self.duration * (previous - room) / previous - self.elapsed
        # This period alone is full: from the next on, its count slides out.
        seconds = self.duration - self.elapsed
        if current >= self.num_requests:
            seconds += self.duration * (current - self.num_requests + 1) / current
        return seconds


class AnonRateThrottle(CountingThrottle, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(CountingThrottle, throttling.UserRateThrottle):
    pass
