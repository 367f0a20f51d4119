//! A line of an order's history in the reader's language: what the system recorded as
//! facts (`StatusEvent::fact`) is worded here, once for both bundles; what a person typed
//! is shown as typed.

use std::collections::BTreeMap;

use domain::lang::Lang;
use domain::order::{HistoryFact, OrderRejection, StatusEvent};
use domain::returns::ReturnState;
use domain::sku::Sku;

fn pick(lang: Lang, [hans, hant, en]: [&'static str; 3]) -> &'static str {
    match lang {
        Lang::ZhHans => hans,
        Lang::ZhHant => hant,
        Lang::En => en,
    }
}

/// How the screen names products and return states.
pub struct Words<'a> {
    pub lang: Lang,
    /// A product's name (its SKU when the screen knows no better).
    pub product: &'a dyn Fn(&Sku) -> String,
    pub return_state: &'a dyn Fn(ReturnState) -> String,
}

impl Words<'_> {
    fn t(&self, phrase: [&'static str; 3]) -> &'static str {
        pick(self.lang, phrase)
    }

    fn lines(&self, lines: &BTreeMap<Sku, u32>) -> String {
        let separator = self.t(["、", "、", ", "]);
        lines
            .iter()
            .map(|(sku, quantity)| format!("{} × {quantity}", (self.product)(sku)))
            .collect::<Vec<_>>()
            .join(separator)
    }

    fn rejection(&self, rejection: &OrderRejection) -> String {
        match rejection {
            OrderRejection::NothingOrderable => self
                .t([
                    "没有一行可以供货",
                    "沒有一行可以供貨",
                    "No line of the order can be supplied",
                ])
                .to_owned(),
            OrderRejection::WrongShop => self
                .t([
                    "订单不属于本店",
                    "訂單不屬於本店",
                    "The order is for another shop",
                ])
                .to_owned(),
            OrderRejection::Unreadable { detail } => format!(
                "{}{detail}",
                self.t([
                    "订单无法读取：",
                    "訂單無法讀取：",
                    "The order could not be read: "
                ])
            ),
            OrderRejection::Unpriceable { detail } => format!(
                "{}{detail}",
                self.t([
                    "订单无法定价：",
                    "訂單無法定價：",
                    "The order could not be priced: "
                ])
            ),
            OrderRejection::Blocked { detail } => format!(
                "{}{detail}",
                self.t([
                    "账户暂不允许下单：",
                    "帳戶暫不允許下單：",
                    "The account does not allow it now: ",
                ])
            ),
        }
    }

    /// The history line `event` in the reader's language.
    pub fn event(&self, event: &StatusEvent) -> String {
        let Some(fact) = &event.fact else {
            return event.reason.clone();
        };
        let colon = self.t(["：", "：", ": "]);
        match fact {
            HistoryFact::Backordered { lines } => format!(
                "{}{colon}{}",
                self.t([
                    "暂时缺货，等待到货",
                    "暫時缺貨，等待到貨",
                    "Not in stock now, waiting"
                ]),
                self.lines(lines)
            ),
            HistoryFact::StockArrived { reserved, waiting } => {
                let mut text = format!(
                    "{}{colon}{}",
                    self.t(["到货已预留", "到貨已預留", "Stock arrived, reserved"]),
                    self.lines(reserved)
                );
                if !waiting.is_empty() {
                    text.push_str(&format!(
                        "{}{colon}{}",
                        self.t(["；仍在等待", "；仍在等待", "; still waiting"]),
                        self.lines(waiting)
                    ));
                }
                text
            }
            HistoryFact::Shipped {
                shipment,
                warehouse,
                carrier,
                tracking,
                lines,
            } => {
                let tracked = if tracking.is_empty() {
                    String::new()
                } else {
                    format!(
                        "{}{tracking}",
                        self.t(["，运单号 ", "，運單號 ", ", tracking "])
                    )
                };
                match self.lang {
                    Lang::En => format!(
                        "Shipment {shipment} from {warehouse} by {carrier}{tracked}: {}",
                        self.lines(lines)
                    ),
                    _ => format!(
                        "{} {shipment}（{warehouse}，{carrier}{tracked}）：{}",
                        self.t(["发货", "發貨", ""]),
                        self.lines(lines)
                    ),
                }
            }
            HistoryFact::ShipmentDelivered { shipment } => match self.lang {
                Lang::En => format!("Shipment {shipment} delivered"),
                _ => format!("{shipment} {}", self.t(["已送达", "已送達", ""])),
            },
            HistoryFact::CancelledByShop { reason } => format!(
                "{}{colon}{reason}",
                self.t(["门店取消", "門店取消", "Cancelled by the shop"])
            ),
            HistoryFact::ShopAsksToCancel { reason } => format!(
                "{}{colon}{reason}",
                self.t(["门店申请取消", "門店申請取消", "The shop asks to cancel"])
            ),
            HistoryFact::Return {
                number,
                state,
                note,
            } => {
                let mut text = format!(
                    "{} {number}{colon}{}",
                    self.t(["退货", "退貨", "Return"]),
                    (self.return_state)(*state)
                );
                if !note.is_empty() {
                    text.push_str(colon);
                    text.push_str(note);
                }
                text
            }
            HistoryFact::Replacement { of } => format!(
                "{}{of}",
                self.t([
                    "换货补发，退货 ",
                    "換貨補發，退貨 ",
                    "Replacement for return "
                ])
            ),
            HistoryFact::LinesChanged { reason } => format!(
                "{}{colon}{reason}",
                self.t(["改单", "改單", "Lines changed"])
            ),
            HistoryFact::AwaitingShop {
                expected,
                total,
                dropped,
                ..
            } => {
                let mut text = match self.lang {
                    Lang::En => format!(
                        "Waiting for the shop's OK: {total} instead of the {expected} the phone showed"
                    ),
                    _ => format!(
                        "{}{colon}{total}{}{expected}{}",
                        self.t(["等待门店确认", "等待門店確認", ""]),
                        self.t(["（手机上显示 ", "（手機上顯示 ", ""]),
                        self.t(["）", "）", ""]),
                    ),
                };
                if !dropped.is_empty() {
                    let separator = self.t(["、", "、", ", "]);
                    text.push_str(self.t(["，不含 ", "，不含 ", ", without "]));
                    text.push_str(
                        &dropped
                            .iter()
                            .map(|sku| (self.product)(sku))
                            .collect::<Vec<_>>()
                            .join(separator),
                    );
                }
                text
            }
            HistoryFact::PricesHeld { skus, .. } => format!(
                "{}{colon}{}",
                self.t([
                    "保价：按手机上显示的价格确认",
                    "保價：按手機上顯示的價格確認",
                    "Price hold: priced as the phone showed"
                ]),
                skus.iter()
                    .map(|sku| (self.product)(sku))
                    .collect::<Vec<_>>()
                    .join(self.t(["、", "、", ", "]))
            ),
            HistoryFact::ShopAccepted => self
                .t(["门店已确认", "門店已確認", "Accepted by the shop"])
                .to_owned(),
            HistoryFact::NotAnswered => self
                .t([
                    "门店未在期限内确认，已取消",
                    "門店未在期限內確認，已取消",
                    "The shop did not answer in time: cancelled",
                ])
                .to_owned(),
            HistoryFact::Rejected { rejection } => self.rejection(rejection),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::order_state::OrderState;
    use domain::sku::WarehouseId;

    fn words(lang: Lang) -> Words<'static> {
        Words {
            lang,
            product: &|sku| format!("<{sku}>"),
            return_state: &|state| format!("{state:?}"),
        }
    }

    #[test]
    fn facts_are_worded_in_each_language_and_typed_reasons_kept() {
        let sku = Sku::parse("TEA-0001").unwrap();
        let shipped = StatusEvent::fact(
            OrderState::Shipped,
            1,
            "cang",
            HistoryFact::Shipped {
                shipment: "DH-000001-1".into(),
                warehouse: WarehouseId::parse("wh-east").unwrap(),
                carrier: "顺丰速运".into(),
                tracking: "SF1".into(),
                lines: [(sku.clone(), 10)].into(),
            },
        );
        assert_eq!(
            words(Lang::ZhHans).event(&shipped),
            "发货 DH-000001-1（wh-east，顺丰速运，运单号 SF1）：<TEA-0001> × 10"
        );
        assert_eq!(
            words(Lang::En).event(&shipped),
            "Shipment DH-000001-1 from wh-east by 顺丰速运, tracking SF1: <TEA-0001> × 10"
        );
        assert!(
            shipped
                .reason
                .starts_with("shipment DH-000001-1 from wh-east")
        );
        let arrived = StatusEvent::fact(
            OrderState::Confirmed,
            1,
            "server",
            HistoryFact::StockArrived {
                reserved: [(sku.clone(), 2)].into(),
                waiting: [(sku, 3)].into(),
            },
        );
        assert_eq!(
            words(Lang::ZhHant).event(&arrived),
            "到貨已預留：<TEA-0001> × 2；仍在等待：<TEA-0001> × 3"
        );
        let typed = StatusEvent::said(OrderState::OnHold, 1, "cai", "等门店回电".into());
        assert_eq!(words(Lang::En).event(&typed), "等门店回电");
    }
}
