//! Signing keys of local accounts, parsed once per process and shared by deliveries.

use crate::db;
use crate::httpsig::{self, SigningKey};
use crate::id::AccountId;
use crate::outbound::SignHop;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// A parsed private key and the key id it signs as.
pub struct Signer {
    pub key: SigningKey,
    pub key_id: String,
}

impl Signer {
    /// A hook for the outbound client that signs each hop at send time (fresh `Date`).
    pub fn hop(self: Arc<Self>) -> SignHop {
        Arc::new(move |method, url, headers| {
            let now = std::time::SystemTime::now();
            if let Err(e) =
                httpsig::sign_outgoing(method, url, headers, None, &self.key, &self.key_id, now)
            {
                tracing::error!(error = %e, "could not sign an outgoing request");
            }
        })
    }
}

#[derive(Clone, Default)]
pub struct SigningKeys {
    cache: Arc<Mutex<HashMap<AccountId, Arc<Signer>>>>,
}

impl SigningKeys {
    /// The signer of a local account; `None` if it has no key (or is not local).
    pub async fn get(
        &self,
        pool: &sqlx::PgPool,
        id: AccountId,
    ) -> Result<Option<Arc<Signer>>, String> {
        if let Some(s) = self.cache.lock().ok().and_then(|c| c.get(&id).cloned()) {
            return Ok(Some(s));
        }
        let Some((pem, key_id)) = db::accounts::signing_material(pool, id)
            .await
            .map_err(|e| e.to_string())?
        else {
            return Ok(None);
        };
        let key = SigningKey::from_pem(&pem).map_err(|e| format!("unusable private key: {e}"))?;
        let signer = Arc::new(Signer { key, key_id });
        if let Ok(mut cache) = self.cache.lock() {
            if cache.len() >= 10_000 {
                cache.clear();
            }
            cache.insert(id, signer.clone());
        }
        Ok(Some(signer))
    }
}
