package integrations

import (
	"net/http"

	"github.com/gin-gonic/gin"

	keycard "github.com/keycard-go/keycard/middleware"
)

// requireSession runs keycard's RequireSession as gin middleware. The claims travel in
// c.Request's context, a renewed cookie is set on c.Writer before the handlers write, and a
// request without a valid session gets keycard's answer (303 to the login page, or 401) and
// goes no further.
func requireSession[T any](s *keycard.Sessions[T]) gin.HandlerFunc {
	return func(c *gin.Context) {
		served := false
		s.RequireSession(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
			served = true
			c.Request = r
			c.Next()
		})).ServeHTTP(c.Writer, c.Request)
		if !served {
			c.Abort()
		}
	}
}

// ginRouter mounts keycard's handlers and a protected route on gin.
func ginRouter(sessions *keycard.Sessions[User], auth keycard.Authenticator[User]) *gin.Engine {
	r := gin.New()
	r.POST("/login", gin.WrapH(sessions.LoginHandler(auth)))
	r.POST("/logout", gin.WrapH(sessions.LogoutHandler()))
	account := r.Group("/account", requireSession(sessions))
	account.GET("", func(c *gin.Context) {
		claims, ok := keycard.ClaimsFrom[User](c.Request.Context())
		if !ok {
			c.AbortWithStatus(http.StatusUnauthorized)
			return
		}
		c.String(http.StatusOK, "Hello, %s", claims.Payload.Email)
	})
	return r
}
