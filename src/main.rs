fn main() {
    mailgrant::start();
}
