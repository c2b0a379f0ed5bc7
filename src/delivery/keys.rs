//! Signing keys of local accounts, parsed once per process and shared by deliveries.

use crate::db;
use crate::httpsig::SigningKey;
use crate::id::AccountId;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// A parsed private key and the key id it signs as.
pub struct Signer {
    pub key: SigningKey,
    pub key_id: String,
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
