//! The three languages every screen and every name comes in: Simplified Chinese (the
//! default), Traditional Chinese and English.

use serde::{Deserialize, Serialize};

use crate::product::LocalizedText;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Lang {
    #[default]
    ZhHans,
    ZhHant,
    En,
}

impl Lang {
    pub const ALL: [Lang; 3] = [Lang::ZhHans, Lang::ZhHant, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::ZhHans => "zh-Hans",
            Lang::ZhHant => "zh-Hant",
            Lang::En => "en",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Lang::ZhHans => "简体",
            Lang::ZhHant => "繁體",
            Lang::En => "EN",
        }
    }

    pub fn from_code(code: &str) -> Lang {
        Lang::ALL
            .into_iter()
            .find(|l| l.code() == code)
            .unwrap_or_default()
    }

    /// `text` in this language, or in English when it has none.
    pub fn pick(self, text: &LocalizedText) -> String {
        let chosen = match self {
            Lang::ZhHans => &text.zh_hans,
            Lang::ZhHant => &text.zh_hant,
            Lang::En => &text.en,
        };
        if chosen.is_empty() {
            text.en.clone()
        } else {
            chosen.clone()
        }
    }
}
