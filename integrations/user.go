package integrations

// User is the session payload of the snippets, as in the README's complete program.
type User struct {
	Email string `json:"email"`
}
