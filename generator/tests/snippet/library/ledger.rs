//! A test fixture for the snippet extractor: a small ledger with every shape of item a
//! chapter can name. Not compiled; only parsed.

use std::fmt;

/// Moves `amount` from one account to another.
///
/// Fails, and changes nothing, if `from` holds less than `amount`.
pub fn transfer(from: &mut Account, to: &mut Account, amount: u64) -> Result<(), Overdraft> {
    // Debit first: if it fails, nothing has moved.
    from.withdraw(amount)?;
    to.deposit(amount);
    Ok(())
}

/// An account's balance, in cents.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub struct Account {
    balance: u64,
}

/// A withdrawal larger than the balance.
#[derive(Debug)]
pub struct Overdraft;

impl Account {
    /// Adds `amount`.
    pub fn deposit(&mut self, amount: u64) {
        self.balance += amount;
    }

    /// Takes `amount` away, if the balance covers it.
    pub fn withdraw(&mut self, amount: u64) -> Result<(), Overdraft>
    where
        u64: Copy,
    {
        // region: debit
        self.balance = self.balance.checked_sub(amount).ok_or(Overdraft)?;
        // endregion: debit
        Ok(())
    }
}

impl fmt::Display for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} cents", self.balance)
    }
}

impl fmt::Debug for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Account({})", self.balance)
    }
}

// region: invariant
/// Money is neither made nor lost: the total before equals the total after.
pub fn conserved(before: &[Account], after: &[Account]) -> bool {
    let total = |accounts: &[Account]| accounts.iter().map(|a| a.balance).sum::<u64>();
    total(before) == total(after)
}
// endregion: invariant

/// Checks run at the end of each day.
pub mod audit {
    /// Whether no account is empty.
    pub fn all_funded(accounts: &[super::Account]) -> bool {
        accounts.iter().all(|a| a.balance > 0)
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn empty_ledger_is_funded() {
            assert!(super::all_funded(&[]));
        }
    }
}

/// Something an auditor can check.
pub trait Audited {
    /// Whether the books balance.
    fn audit(&self) -> bool;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transfer_conserves_money() {
        let (mut a, mut b) = (Account { balance: 5 }, Account::default());
        transfer(&mut a, &mut b, 3).unwrap();
        assert!(conserved(&[Account { balance: 5 }, Account::default()], &[a, b]));
    }
}
