//! Templates and the smart fields of a message: where each field's value
//! comes from (the recipient's person, the chosen deal, the sending
//! account), and the check that a message leaves with every field filled.

use super::compose;
use super::fields::{self, Filled, Values};
use crate::Engine;
use crate::crm::RecordKind;
use crate::error::{Error, Result};
use crate::ids::{AccountId, RecordId};
use crate::model::{Draft, Rendered, Template, TemplateInput};
use crate::problem::Problem;

impl Engine {
    /// Every template, by name.
    pub(crate) async fn templates(&self) -> Result<Vec<Template>> {
        self.store.templates().await
    }

    /// Creates (without `id`) or changes a template. A name is required;
    /// a name in braces that is not a smart field is refused here already.
    pub(crate) async fn save_template(&self, id: Option<i64>, input: &TemplateInput) -> Result<Template> {
        if input.name.trim().is_empty() {
            return Err(Error::Invalid(Problem::TemplateNameMissing));
        }
        let unknown = [&input.subject, &input.html]
            .iter()
            .flat_map(|text| fields::fill(text, &Values::default(), true).unknown)
            .next();
        if let Some(name) = unknown {
            return Err(Error::Invalid(Problem::UnknownField { name }));
        }
        self.store.save_template(id, input).await
    }

    /// Deletes a template.
    pub(crate) async fn delete_template(&self, id: i64) -> Result<()> {
        self.store.delete_template(id).await
    }

    /// A template filled for a recipient: the preview, and `render`.
    pub(crate) async fn render_template(
        &self,
        id: i64,
        account: AccountId,
        to: &str,
        deal: Option<RecordId>,
        locale: Option<&str>,
    ) -> Result<Rendered> {
        let template = self.store.template(id).await?;
        let draft = Draft {
            account_id: account,
            to: to.to_owned(),
            subject: template.subject,
            html: Some(template.html),
            deal_id: deal,
            locale: locale.map(str::to_owned),
            ..Draft::default()
        };
        self.render(&draft).await
    }

    /// The draft as it would be sent: fields filled, right-to-left
    /// paragraphs marked. Fields without a value are listed; a name that
    /// is not a field is an error.
    pub(crate) async fn render(&self, draft: &Draft) -> Result<Rendered> {
        let filled = self.fill_fields(draft).await?;
        let html = filled.html.unwrap_or_else(|| text_to_html(&filled.body));
        Ok(Rendered {
            subject: filled.subject,
            text: compose::plain_text_of(&html).replace("\r\n", "\n"),
            html,
            missing: filled.missing,
        })
    }

    /// The draft with its fields filled and its directions marked, as it
    /// is sent, and the fields that had no value.
    pub(super) async fn fill_fields(&self, draft: &Draft) -> Result<FilledDraft> {
        let texts = [Some(&draft.subject), Some(&draft.body), draft.html.as_ref()];
        let values = if texts.iter().flatten().any(|t| t.contains("{{")) {
            self.field_values(draft).await?
        } else {
            Values::default()
        };
        let mut missing = Vec::new();
        let mut take = |f: Filled| -> Result<String> {
            if let Some(name) = f.unknown.into_iter().next() {
                return Err(Error::Invalid(Problem::UnknownField { name }));
            }
            for m in f.missing {
                if !missing.contains(&m) {
                    missing.push(m);
                }
            }
            Ok(f.text)
        };
        let subject = take(fields::fill(&draft.subject, &values, false))?;
        let body = take(fields::fill(&draft.body, &values, false))?;
        let html = match &draft.html {
            Some(h) => Some(super::direction::mark_directions(&take(fields::fill(h, &values, true))?)),
            None => None,
        };
        Ok(FilledDraft { subject, body, html, missing })
    }

    /// Each field's value for this draft: the person of the first
    /// recipient (or the name and address as typed), their organization,
    /// the chosen deal (else the conversation's, else the person's only
    /// open one), lead and project likewise, and the sending account.
    async fn field_values(&self, draft: &Draft) -> Result<Values> {
        let locale = fields::locale(draft.locale.as_deref());
        let mut v = Values::default();
        if let Ok(account) = self.store.account(draft.account_id).await {
            v.set("user.name", account.display_name.clone());
            v.set("user.email", account.email.clone());
        }
        let first = compose::first_recipient(&draft.to);
        let person = match &first {
            Some((_, address)) => self.store.person_id_by_address(address).await?,
            None => None,
        };
        let mut org = None;
        match person {
            Some(id) => {
                let p = self.store.person(id).await?;
                v.set("person.first_name", fields::first_name(&p.name));
                v.set("person.name", p.name);
                org = p.org_name;
            }
            None => {
                if let Some((name, _)) = &first {
                    v.set("person.first_name", fields::first_name(name));
                    v.set("person.name", name.clone());
                }
            }
        }
        if let Some((_, address)) = &first {
            v.set("person.email", address.clone());
        }
        let conversation = match draft.in_reply_to.or(draft.forward_of) {
            Some(m) => self.store.message_links(m).await.map(|l| l.links).unwrap_or_default(),
            None => Vec::new(),
        };
        let chosen = |kind: RecordKind, explicit: Option<RecordId>| {
            let linked = conversation.iter().find(|l| l.kind == kind).map(|l| l.id);
            async move {
                if let Some(id) = explicit.or(linked) {
                    return Ok::<_, Error>(Some(id));
                }
                let Some(person) = person else { return Ok(None) };
                let mine = self.store.records_of_person(kind, person).await?;
                Ok(if mine.len() == 1 { mine.first().copied() } else { None })
            }
        };
        if let Some(id) = chosen(RecordKind::Deal, draft.deal_id).await? {
            let deal = self.store.record(RecordKind::Deal, id).await?;
            v.set("deal.title", deal.title);
            if let Some(value) = &deal.value {
                v.set("deal.value", fields::money(value, &locale));
            }
            if let Some(day) = &deal.expected_close {
                v.set("deal.close_date", fields::date(day, &locale));
            }
            org = org.or(deal.org_name);
        }
        if let Some(id) = chosen(RecordKind::Lead, None).await? {
            let lead = self.store.record(RecordKind::Lead, id).await?;
            v.set("lead.title", lead.title);
            if let Some(value) = &lead.value {
                v.set("lead.value", fields::money(value, &locale));
            }
            org = org.or(lead.org_name);
        }
        if let Some(id) = chosen(RecordKind::Project, None).await? {
            let project = self.store.record(RecordKind::Project, id).await?;
            v.set("project.title", project.title);
            org = org.or(project.org_name);
        }
        if let Some(org) = org {
            v.set("org.name", org);
        }
        Ok(v)
    }
}

/// A draft's texts as they are sent.
pub(super) struct FilledDraft {
    pub subject: String,
    pub body: String,
    pub html: Option<String>,
    pub missing: Vec<String>,
}

/// Plain text as HTML paragraphs (a template written as text, a preview
/// of a plain message).
pub(crate) fn text_to_html(text: &str) -> String {
    text.replace("\r\n", "\n")
        .split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .map(|p| format!("<p>{}</p>", crate::mime::html::escape_text(p.trim_matches('\n')).replace('\n', "<br>")))
        .collect()
}
