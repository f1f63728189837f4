//! Whether a password may be used: at least [`MIN_PASSWORD_CHARS`] characters, at most
//! [`MAX_PASSWORD_BYTES`], not one of the common passwords bundled with wacloud
//! (`common-passwords.txt`), not the operator's own e-mail address.

/// Fewest characters (Unicode scalar values) in a password.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Most bytes in a password (longer ones only cost hashing time).
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// A bundled list of common passwords, one a line; `#` starts a comment line.
const COMMON: &str = include_str!("common-passwords.txt");

/// The rule a refused password broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordRule {
    /// Fewer than [`MIN_PASSWORD_CHARS`] characters.
    TooShort,
    /// More than [`MAX_PASSWORD_BYTES`] bytes.
    TooLong,
    /// In the bundled list of common passwords.
    Common,
    /// The operator's own e-mail address (or its part before `@`).
    SameAsEmail,
}

impl PasswordRule {
    /// A stable code for the API's error: `password_too_short`, `password_too_long`,
    /// `password_too_common`, `password_same_as_email`.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::TooShort => "password_too_short",
            Self::TooLong => "password_too_long",
            Self::Common => "password_too_common",
            Self::SameAsEmail => "password_same_as_email",
        }
    }

    /// What the rule asks for, for the person choosing the password.
    #[must_use]
    pub fn message(self) -> String {
        match self {
            Self::TooShort => {
                format!("the password needs at least {MIN_PASSWORD_CHARS} characters")
            }
            Self::TooLong => format!("the password may have at most {MAX_PASSWORD_BYTES} bytes"),
            Self::Common => {
                "the password is one of the most common passwords; choose another".to_owned()
            }
            Self::SameAsEmail => "the password must not be the e-mail address".to_owned(),
        }
    }
}

/// Whether `password` may be used by the operator with `email`.
///
/// # Errors
/// The first [`PasswordRule`] it breaks, in the order of the enum.
pub fn check_password(password: &str, email: &str) -> Result<(), PasswordRule> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(PasswordRule::TooShort);
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(PasswordRule::TooLong);
    }
    let lower = password.to_lowercase();
    if COMMON
        .lines()
        .filter(|l| !l.starts_with('#'))
        .any(|l| l.trim() == lower)
    {
        return Err(PasswordRule::Common);
    }
    let email = email.trim().to_lowercase();
    let local = email.split('@').next().unwrap_or_default();
    if lower == email || (!local.is_empty() && lower == local) {
        return Err(PasswordRule::SameAsEmail);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_rule_is_named() {
        assert_eq!(
            check_password("short", "a@b.c"),
            Err(PasswordRule::TooShort)
        );
        assert_eq!(
            check_password("Password1234", "a@b.c"),
            Err(PasswordRule::Common)
        );
        assert_eq!(
            check_password("annabelle.lee@example.com", "Annabelle.Lee@example.com"),
            Err(PasswordRule::SameAsEmail)
        );
        assert_eq!(
            check_password(&"x".repeat(2000), "a@b.c"),
            Err(PasswordRule::TooLong)
        );
        assert_eq!(check_password("tidal-orchid-47-lantern", "a@b.c"), Ok(()));
    }

    #[test]
    fn the_list_is_a_few_hundred_long_passwords() {
        let n = COMMON.lines().filter(|l| !l.starts_with('#')).count();
        assert!(n >= 200, "{n}");
    }
}
