// The seed guide's (deprecated but still accepted in v6) afterSignInUrl/afterSignUpUrl.
export const signInProps = { routing: 'path', path: '/sign-in', afterSignInUrl: '/dashboard', signUpUrl: '/sign-up' };
export const signUpProps = { routing: 'path', path: '/sign-up', afterSignUpUrl: '/dashboard', signInUrl: '/sign-in' };
