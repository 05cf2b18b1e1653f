//! The app's preferences row (migration 0035).

use super::Store;
use crate::error::Result;
use crate::preferences::AppPreferences;

impl Store {
    /// The app's preferences.
    pub async fn app_preferences(&self) -> Result<AppPreferences> {
        Ok(sqlx::query_as("SELECT email_links, close_to_tray FROM app_preferences WHERE id = 1")
            .fetch_one(self.pool())
            .await?)
    }

    /// Replaces the app's preferences.
    pub async fn set_app_preferences(&self, preferences: &AppPreferences) -> Result<()> {
        sqlx::query("UPDATE app_preferences SET email_links = ?, close_to_tray = ? WHERE id = 1")
            .bind(preferences.email_links)
            .bind(preferences.close_to_tray)
            .execute(&mut *self.write_conn().await?)
            .await?;
        Ok(())
    }
}
