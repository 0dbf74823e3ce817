package integrations

import (
	"net/http"

	"github.com/labstack/echo/v5"
	"github.com/labstack/echo/v5/middleware"

	keycard "github.com/keycard-go/keycard/middleware"
)

// echoServer mounts keycard's handlers and a protected group on echo, beside echo's own
// middleware package.
func echoServer(sessions *keycard.Sessions[User], auth keycard.Authenticator[User]) *echo.Echo {
	e := echo.New()
	e.Use(middleware.Recover())
	e.POST("/login", echo.WrapHandler(sessions.LoginHandler(auth)))
	e.POST("/logout", echo.WrapHandler(sessions.LogoutHandler()))
	account := e.Group("/account", echo.WrapMiddleware(sessions.RequireSession))
	account.GET("", func(c *echo.Context) error {
		claims, ok := keycard.ClaimsFrom[User](c.Request().Context())
		if !ok {
			return echo.ErrUnauthorized
		}
		return c.String(http.StatusOK, "Hello, "+claims.Payload.Email)
	})
	return e
}
