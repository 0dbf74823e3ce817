package middleware

// CacheLen reports how many verified tokens s's cache holds, for tests of its bound.
func CacheLen[T any](s *Sessions[T]) int {
	if s.cache == nil {
		return 0
	}
	s.cache.mu.RLock()
	defer s.cache.mu.RUnlock()
	return len(s.cache.entries)
}

// PendingAudience is the audience of pending credentials, for tests that configure a session
// codec with it.
const PendingAudience = pendingAudience
