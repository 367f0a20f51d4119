//! The interface in Simplified Chinese, Traditional Chinese and English.

use serde::{Deserialize, Serialize};

use domain::product::LocalizedText;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
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

/// Every phrase the interface shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phrase {
    AppName,
    SignIn,
    SignOut,
    Username,
    Password,
    WrongPassword,
    NeedNetworkToSignIn,
    Catalog,
    Cart,
    Orders,
    Search,
    AllCategories,
    Add,
    Remove,
    YourPrice,
    TierPrice,
    ListPrice,
    PerUnit,
    PackOf,
    MinimumOrder,
    Discontinued,
    EmptyCart,
    Total,
    PlaceOrder,
    OrderPlaced,
    WaitingToSync,
    Confirmed,
    Rejected,
    Synced,
    Syncing,
    Offline,
    SyncNow,
    Pending,
    NoOrders,
    ServerChanged,
    PriceChangedFrom,
    RemovedFromOrder,
    UnknownProduct,
    QuantityRule,
    Shop,
    Loading,
    Back,
    SyncFailed,
    Refused,
    RolledBack,
    Backordered,
    Gift,
    CouponNotApplied,
    Merchandise,
    Shipping,
    TaxIncluded,
    PointsPaid,
    PrepaidPaid,
    Coupon,
    Apply,
    UsePoints,
    UsePrepaid,
    Pickup,
    AmountDue,
    PointsEarned,
    CannotOrder,
    Promotions,
    DeviceShowed,
    OutsideWindow,
    Reason,
    OverQuota,
    Remaining,
    AccountSuspended,
    InvoicesOverdue,
    OverCreditLimit,
    PrepaidShort,
    Devices,
    ThisDevice,
    SignedOut,
    SignDeviceOut,
    LastSeen,
    NeedsNetwork,
    OnHold,
    Allocated,
    Picking,
    Packed,
    PartiallyShipped,
    Shipped,
    Delivered,
    Completed,
    Cancelled,
    AwaitingStock,
    NotFound,
    PlacedAt,
    Lines,
    UnsyncedSignOut,
    VolumePrice,
    PromotionalPrice,
    EarlierOrders,
    LoadEarlier,
    NoEarlierOrders,
    History,
}

pub fn tr(lang: Lang, phrase: Phrase) -> &'static str {
    use Phrase::*;
    let [hans, hant, en] = match phrase {
        AppName => ["订货", "訂貨", "Dinghuo"],
        SignIn => ["登录", "登入", "Sign in"],
        SignOut => ["退出", "登出", "Sign out"],
        Username => ["用户名", "用戶名", "Username"],
        Password => ["密码", "密碼", "Password"],
        WrongPassword => [
            "用户名或密码不对",
            "用戶名或密碼不對",
            "Wrong username or password",
        ],
        NeedNetworkToSignIn => [
            "首次登录需要网络",
            "首次登入需要網路",
            "Signing in needs a network connection",
        ],
        Catalog => ["商品", "商品", "Products"],
        Cart => ["购物车", "購物車", "Cart"],
        Orders => ["订单", "訂單", "Orders"],
        Search => ["搜索商品", "搜尋商品", "Search products"],
        AllCategories => ["全部", "全部", "All"],
        Add => ["加入购物车", "加入購物車", "Add to cart"],
        Remove => ["删除", "刪除", "Remove"],
        YourPrice => ["专属价", "專屬價", "Your price"],
        TierPrice => ["等级价", "等級價", "Tier price"],
        ListPrice => ["标准价", "標準價", "List price"],
        PerUnit => ["每", "每", "per"],
        PackOf => ["每箱", "每箱", "pack of"],
        MinimumOrder => ["起订量", "起訂量", "minimum"],
        Discontinued => ["已停售", "已停售", "Discontinued"],
        EmptyCart => ["购物车是空的", "購物車是空的", "Your cart is empty"],
        Total => ["合计", "合計", "Total"],
        PlaceOrder => ["提交订单", "提交訂單", "Place order"],
        OrderPlaced => ["订单已提交", "訂單已提交", "Order placed"],
        WaitingToSync => ["等待同步", "等待同步", "Waiting to sync"],
        Confirmed => ["已确认", "已確認", "Confirmed"],
        Rejected => ["已拒绝", "已拒絕", "Rejected"],
        OnHold => ["暂停处理", "暫停處理", "On hold"],
        Allocated => ["已配货", "已配貨", "Allocated"],
        Picking => ["拣货中", "揀貨中", "Picking"],
        Packed => ["已打包", "已打包", "Packed"],
        PartiallyShipped => ["部分发货", "部分發貨", "Partly shipped"],
        Shipped => ["已发货", "已發貨", "Shipped"],
        Delivered => ["已送达", "已送達", "Delivered"],
        Completed => ["已完成", "已完成", "Completed"],
        Cancelled => ["已取消", "已取消", "Cancelled"],
        Synced => ["已同步", "已同步", "Synced"],
        Syncing => ["同步中", "同步中", "Syncing"],
        Offline => ["离线", "離線", "Offline"],
        SyncNow => ["立即同步", "立即同步", "Sync now"],
        Pending => ["待同步", "待同步", "pending"],
        NoOrders => ["还没有订单", "還沒有訂單", "No orders yet"],
        ServerChanged => [
            "服务器调整了订单",
            "伺服器調整了訂單",
            "The server changed your order",
        ],
        PriceChangedFrom => ["价格已变更，原价", "價格已變更，原價", "price changed, was"],
        RemovedFromOrder => ["已从订单移除", "已從訂單移除", "removed from the order"],
        UnknownProduct => ["商品不存在", "商品不存在", "unknown product"],
        QuantityRule => ["数量不符合规则", "數量不符合規則", "quantity not allowed"],
        Shop => ["门店", "門店", "Shop"],
        Loading => ["加载中…", "載入中…", "Loading…"],
        Back => ["返回", "返回", "Back"],
        SyncFailed => [
            "同步失败，稍后自动重试",
            "同步失敗，稍後自動重試",
            "Sync failed; will retry",
        ],
        Refused => [
            "服务器拒绝了更改",
            "伺服器拒絕了更改",
            "The server refused a change",
        ],
        RolledBack => [
            "服务器拒绝了这台设备的修改，已恢复为服务器上的内容，原因",
            "伺服器拒絕了這台裝置的修改，已恢復為伺服器上的內容，原因",
            "The server refused this device's change and it was undone; reason",
        ],
        Backordered => ["缺货待补", "缺貨待補", "backordered"],
        Gift => ["赠品", "贈品", "Gift"],
        CouponNotApplied => ["优惠券未生效", "優惠券未生效", "Coupon not applied"],
        Merchandise => ["商品金额", "商品金額", "Goods"],
        Shipping => ["运费", "運費", "Shipping"],
        TaxIncluded => ["其中税额", "其中稅額", "of which tax"],
        PointsPaid => ["积分抵扣", "積分抵扣", "Paid with points"],
        PrepaidPaid => ["预付款支付", "預付款支付", "Paid from prepaid balance"],
        Coupon => ["优惠券", "優惠券", "Coupon"],
        Apply => ["使用", "使用", "Apply"],
        UsePoints => ["用积分抵扣", "用積分抵扣", "Pay with points"],
        UsePrepaid => ["用预付款支付", "用預付款支付", "Pay from prepaid balance"],
        Pickup => ["到仓自提", "到倉自提", "Collect at the warehouse"],
        AmountDue => ["应付", "應付", "To pay"],
        PointsEarned => ["本单可得积分", "本單可得積分", "Points earned"],
        CannotOrder => ["暂不能下单", "暫不能下單", "Cannot order now"],
        Promotions => ["优惠", "優惠", "Offers"],
        Reason => ["原因", "原因", "Reason"],
        OutsideWindow => [
            "今天不是本店的订货日，下次可订货时间",
            "今天不是本店的訂貨日，下次可訂貨時間",
            "Today is not this shop's ordering day; orders open again",
        ],
        OverQuota => ["超过限购数量", "超過限購數量", "Over the allocation for"],
        Remaining => ["本期还可订", "本期還可訂", "left this period"],
        AccountSuspended => ["账户已暂停", "帳戶已暫停", "The account is suspended"],
        InvoicesOverdue => ["有逾期未付的发票", "有逾期未付的發票", "Invoices overdue"],
        OverCreditLimit => ["超出信用额度", "超出信用額度", "Over the credit limit of"],
        PrepaidShort => [
            "预付款余额不足",
            "預付款餘額不足",
            "The prepaid balance is short",
        ],
        DeviceShowed => [
            "下单时显示的金额为",
            "下單時顯示的金額為",
            "When ordering, the total shown was",
        ],
        Devices => ["设备", "裝置", "Devices"],
        ThisDevice => ["本机", "本機", "this device"],
        SignedOut => ["已退出", "已登出", "signed out"],
        SignDeviceOut => ["让它退出", "讓它登出", "Sign it out"],
        LastSeen => ["最近同步", "最近同步", "last synced"],
        NeedsNetwork => ["需要联网", "需要連網", "Needs the network"],
        AwaitingStock => [
            "以下商品暂时缺货，到货后发出",
            "以下商品暫時缺貨，到貨後發出",
            "Not in stock now; sent when it arrives",
        ],
        NotFound => ["找不到", "找不到", "Not found"],
        PlacedAt => ["下单时间", "下單時間", "Placed"],
        Lines => ["商品行", "商品行", "lines"],
        VolumePrice => ["批量价", "批量價", "Volume price"],
        PromotionalPrice => ["促销价", "促銷價", "Promotional price"],
        EarlierOrders => ["更早的订单", "更早的訂單", "Earlier orders"],
        LoadEarlier => ["加载更早的订单", "載入更早的訂單", "Load earlier orders"],
        NoEarlierOrders => ["没有更早的订单了", "沒有更早的訂單了", "No earlier orders"],
        History => ["处理记录", "處理記錄", "History"],
        UnsyncedSignOut => [
            "还有未同步的订单或购物车修改，请联网同步后再退出",
            "還有未同步的訂單或購物車修改，請連網同步後再登出",
            "Orders or cart changes have not reached the server yet; sync before signing out",
        ],
    };
    match lang {
        Lang::ZhHans => hans,
        Lang::ZhHant => hant,
        Lang::En => en,
    }
}
