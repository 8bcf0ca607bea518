export const signInProps = { fallbackRedirectUrl: '/dashboard', signUpUrl: '/sign-up' };
export const signUpProps = { fallbackRedirectUrl: '/dashboard', signInUrl: '/sign-in' };
